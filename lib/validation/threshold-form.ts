import { describeThresholds, type ThresholdKey, type ThresholdValues } from "@/lib/domain/thresholds";
import { parseIsoDate } from "@/lib/domain/dates";
import { thresholdValuesSchema } from "./thresholds";
import { textProblem, TEXT_LIMITS } from "@/lib/domain/text-rules";

/**
 * The admin's threshold form: one field per threshold key (`t:ewgsop2.gripKg.male`), each typed
 * like the value it replaces. Returns a validated set, or an error per field in words.
 */
export type ThresholdFormResult =
  | { ok: true; values: ThresholdValues; effectiveFrom: Date; note: string }
  | { ok: false; fieldErrors: Record<string, string[]> };

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

export function parseThresholdForm(current: ThresholdValues, form: Record<string, unknown>): ThresholdFormResult {
  const fieldErrors: Record<string, string[]> = {};
  const values = structuredClone(current) as unknown as Record<string, unknown>;
  for (const entry of describeThresholds(current)) {
    const name = `t:${entry.key}`;
    const raw = form[name];
    if (typeof entry.value === "boolean") {
      setPath(values, entry.key, raw === "on" || raw === "true");
      continue;
    }
    const text = typeof raw === "string" ? raw.trim() : "";
    if (typeof entry.value === "string") {
      if (text !== "<" && text !== "<=") fieldErrors[name] = ["Choose < or ≤."];
      else setPath(values, entry.key, text);
      continue;
    }
    if (!/^\d+(\.\d+)?$/.test(text)) {
      fieldErrors[name] = [`Enter a number in ${entry.unit || "the unit shown"} (use a point for decimals).`];
      continue;
    }
    setPath(values, entry.key, Number(text));
  }
  const effectiveText = typeof form.effectiveFrom === "string" ? form.effectiveFrom : "";
  const effectiveFrom = parseIsoDate(effectiveText);
  if (!effectiveFrom) fieldErrors.effectiveFrom = ["Enter the date this version takes effect (YYYY-MM-DD)."];
  const note = typeof form.note === "string" ? form.note.trim() : "";
  const noteProblem = note.length < 3 ? "Say why the thresholds change (for the audit trail)." : textProblem(note, "The note", TEXT_LIMITS.note, { multiline: true });
  if (noteProblem) fieldErrors.note = [noteProblem];
  if (Object.keys(fieldErrors).length > 0 || !effectiveFrom) return { ok: false, fieldErrors };

  const parsed = thresholdValuesSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) (fieldErrors[`t:${issue.path.join(".")}` as `t:${ThresholdKey}`] ??= []).push(issue.message);
    return { ok: false, fieldErrors };
  }
  return { ok: true, values: parsed.data as ThresholdValues, effectiveFrom, note };
}
