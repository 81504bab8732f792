import { z } from "zod";
import "./zod-browser";
import { characterProblem, type TextRule } from "@/lib/domain/text-rules";

/**
 * Text fields of the forms' shared schemas, under the one rule for stored text
 * (lib/domain/text-rules.ts): trimmed, within the field's length, no refused character.
 */

export interface SafeTextOptions extends TextRule {
  /** The field as the start of a sentence: "The note", "The view's name". */
  label: string;
  max: number;
  /** Refuse fewer characters (after trimming) with `minMessage`. */
  min?: number;
  minMessage?: string;
  /** Replaces the generic "… is N characters long" sentence. */
  maxMessage?: string;
  /** When the value is not a string at all. */
  typeMessage?: string;
}

/**
 * A zod schema for a stored text field: a string, trimmed, at most `max` characters, none of them
 * refused by this rule. The forms' shared schemas build their text fields with it.
 */
export function safeText(options: SafeTextOptions) {
  const { label, max, min, minMessage, maxMessage, typeMessage, ...rule } = options;
  return z
    .string(typeMessage ? { error: typeMessage } : undefined)
    .trim()
    .superRefine((text, ctx) => {
      if (min !== undefined && text.length < min) {
        ctx.addIssue({ code: "custom", message: minMessage ?? `${label} needs at least ${min} characters.` });
        return;
      }
      if (text.length > max) {
        ctx.addIssue({ code: "custom", message: maxMessage ?? `${label} is ${text.length.toLocaleString("en")} characters long; at most ${max.toLocaleString("en")} are accepted.` });
        return;
      }
      const problem = characterProblem(text, label, rule);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}
