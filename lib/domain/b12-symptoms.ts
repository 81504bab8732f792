import { toIsoDate } from "./dates";
import type { ObservationWindow } from "./observations";
import { plainReason } from "./reasons";
import type { B12SymptomCode, B12SymptomInput, Reason } from "./types";

/**
 * The symptoms and signs for which NICE NG239 (2024) offers a B12 test together with a risk factor
 * (NICE authors' summary, BMJ 2024;385:q1019; docs/clinical-reference.md#who-to-test-for-b12).
 * The one table of codes and the words a clinician reads: importers, forms and exports use these
 * codes; add codes, never rename them.
 */
export const B12_SYMPTOM_LABELS: Record<B12SymptomCode, string> = {
  fatigue: "Fatigue",
  pins_and_needles: "Pins and needles or numbness (peripheral neuropathy)",
  glossitis_mouth_ulcers: "Glossitis or mouth ulcers",
  memory_concentration: "Memory or concentration problems, cognitive change",
  low_mood: "Low mood",
  unsteady_gait_falls: "Unsteady gait or falls",
  visual_disturbance: "Visual disturbance",
  anaemia_macrocytosis: "Anaemia or macrocytosis",
};

/**
 * Symptoms recorded within the look-back window (from its start to `now`, inclusive), the latest
 * record of each code, ordered by code list. A symptom noted longer ago no longer counts.
 */
export function currentSymptoms(records: readonly B12SymptomInput[], window: ObservationWindow): B12SymptomInput[] {
  const latest = new Map<B12SymptomCode, B12SymptomInput>();
  for (const record of records) {
    const time = record.recordedAt.getTime();
    if (Number.isNaN(time) || time > window.now.getTime() || time < window.windowStart.getTime()) continue;
    const seen = latest.get(record.code);
    if (!seen || time >= seen.recordedAt.getTime()) latest.set(record.code, record);
  }
  return (Object.keys(B12_SYMPTOM_LABELS) as B12SymptomCode[]).flatMap((code) => latest.get(code) ?? []);
}

/** One reason per symptom: what was recorded and when. */
export function symptomReasons(symptoms: readonly B12SymptomInput[]): Reason[] {
  return symptoms.map((s) =>
    plainReason("b12.symptom", `${B12_SYMPTOM_LABELS[s.code]} recorded on ${toIsoDate(s.recordedAt)} → symptom or sign of B12 deficiency (NICE NG239)`, {
      symptom: s.code,
      recordedAt: s.recordedAt.toISOString(),
    }),
  );
}
