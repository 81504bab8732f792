import { describeThresholds, type ThresholdKey, type ThresholdValues } from "@/lib/domain/thresholds";
import { checkThresholdNumber, guidelineDeviations, unconfirmedDeviations, type GuidelineDeviation } from "@/lib/domain/threshold-governance";
import { parseIsoDate } from "@/lib/domain/dates";
import { thresholdValuesSchema } from "./thresholds";
import { textProblem, TEXT_LIMITS } from "@/lib/domain/text-rules";

/**
 * The admin's threshold form: one field per threshold key (`t:ewgsop2.gripKg.male`), each typed
 * like the value it replaces. Returns a validated set, or an error per field in words. A valid set
 * carries the values more than 10 % from their guideline (`deviations`) and those the form's
 * `confirmDeviations` token (lib/domain/threshold-governance.ts) does not confirm yet.
 */
export type ThresholdFormResult =
  | { ok: true; values: ThresholdValues; effectiveFrom: Date; note: string; deviations: GuidelineDeviation[]; unconfirmed: GuidelineDeviation[] }
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
    const checked = checkThresholdNumber(entry.key, entry.unit, text);
    if (!checked.ok) {
      fieldErrors[name] = [checked.problem];
      continue;
    }
    setPath(values, entry.key, checked.value);
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
  const deviations = guidelineDeviations(parsed.data);
  const token = typeof form.confirmDeviations === "string" ? form.confirmDeviations : "";
  return { ok: true, values: parsed.data, effectiveFrom, note, deviations, unconfirmed: unconfirmedDeviations(deviations, token) };
}
