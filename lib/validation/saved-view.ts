import { safeText } from "./safe-text";
import { TEXT_LIMITS } from "@/lib/domain/text-rules";

/** A saved view's name, as the save and rename forms send it. */
export const savedViewNameSchema = safeText({
  label: "The view's name",
  max: TEXT_LIMITS.viewName,
  min: 1,
  minMessage: "Give the view a name.",
  maxMessage: `Use at most ${TEXT_LIMITS.viewName} characters.`,
});
