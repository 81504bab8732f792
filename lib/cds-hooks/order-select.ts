import { addMonthsUtc } from "@/lib/domain/dates";
import { LOINC_SYSTEM, OBSERVATION_CODES } from "@/lib/domain/fhir-codes";
import { mapMedication, type Json } from "@/lib/domain/fhir-map";
import { MEDICINE_CLASSES, findMedicineById, type CatalogueEntry, type MedicineClass } from "@/lib/domain/medicine-catalogue";
import { currentMedicines } from "@/lib/domain/medications";
import { SHORT_SOURCES, SOURCES } from "@/lib/domain/thresholds";
import type { PatientHistory } from "@/lib/domain/types";
import { fitSummary, launchLink, type Card } from "./cards";
import { B12_RESULT_KINDS } from "./services";

/**
 * The order-select rule: a draft order for metformin, a proton-pump inhibitor or an H2-receptor
 * antagonist (the engine's medicine catalogue, matched as the importer matches medicines) for a
 * patient with no B12 result within the clinic's re-test interval, and not on B12 replacement,
 * gets a "consider a B12 test" card whose suggestion adds a serum B12 ServiceRequest. The interval
 * is compared as the engine's `b12_test_due` compares it: a result on or after `now` − interval counts.
 */

/** The B12-lowering medicine classes whose ordering prompts the card (docs/clinical-reference.md#b12-lowering-medicines). */
export const ORDER_SELECT_CLASSES: readonly MedicineClass[] = ["metformin", "ppi", "h2ra"];

/** Serum B12 as the engine reads it: the first LOINC code of `b12_total` (2132-9, mass per volume). */
export const SERUM_B12_CODE = (() => {
  const mapping = OBSERVATION_CODES.find((m) => m.kind === "b12_total" && m.system === LOINC_SYSTEM);
  if (!mapping) throw new Error("lib/domain/fhir-codes.ts has no LOINC code for serum B12");
  return { system: mapping.system, code: mapping.code, display: mapping.display };
})();

/**
 * The catalogue entries of the selected draft MedicationRequests that prompt the card. `selections`
 * ("MedicationRequest/<id>") narrows the drafts to those just selected; without it every draft counts.
 */
export function promptingDrafts(draftOrders: readonly Json[], selections: readonly string[] | undefined, patientId: string): CatalogueEntry[] {
  const selected = draftOrders.filter(
    (resource) => resource.resourceType === "MedicationRequest" && (!selections || selections.length === 0 || selections.includes(`MedicationRequest/${String(resource.id)}`)),
  );
  const found = new Map<string, CatalogueEntry>();
  for (const draft of selected) {
    // A draft is not yet "active": map it as if it were, to read its medicine the importer's way.
    const mapped = mapMedication({ ...draft, status: "active", id: typeof draft.id === "string" ? draft.id : "draft", subject: draft.subject ?? { reference: `Patient/${patientId}` } });
    if (mapped.status !== "ok" || mapped.value.catalogueId === null) continue;
    const entry = findMedicineById(mapped.value.catalogueId);
    if (entry && ORDER_SELECT_CLASSES.includes(entry.medicineClass)) found.set(entry.id, entry);
  }
  return [...found.values()];
}

/** The latest serum or active B12 result on or before `now`, or null. */
export function lastB12Result(history: PatientHistory, now: Date): Date | null {
  let last: Date | null = null;
  for (const o of history.observations) {
    if (!B12_RESULT_KINDS.includes(o.kind) || o.observedAt.getTime() > now.getTime()) continue;
    if (last === null || o.observedAt.getTime() > last.getTime()) last = o.observedAt;
  }
  return last;
}

export interface OrderSelectInput {
  patientId: string;
  /** The draft orders' prompting medicines (`promptingDrafts`). */
  prompting: readonly CatalogueEntry[];
  /** B12 results and current medicines from the prefetch. */
  history: PatientHistory;
  now: Date;
  retestIntervalMonths: number;
  launchUrl: string | undefined;
  newId: () => string;
}

/** "omeprazole (proton-pump inhibitor) and metformin": the class named where the name does not say it. */
function medicineList(entries: readonly CatalogueEntry[]): string {
  const names = entries.map((e) => {
    const label = MEDICINE_CLASSES[e.medicineClass].label.toLowerCase();
    return label === e.genericName.toLowerCase() ? e.genericName : `${e.genericName} (${label})`;
  });
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
}

/** The "consider a B12 test" card, or null when the rule does not fire. */
export function b12OrderCard(input: OrderSelectInput): Card | null {
  const { prompting, history, now, retestIntervalMonths: interval } = input;
  if (prompting.length === 0) return null;
  if (currentMedicines(history.medications, now).some((c) => c.entry.roles.b12Replacement)) return null;
  const last = lastB12Result(history, now);
  if (last !== null && last.getTime() >= addMonthsUtc(now, -interval).getTime()) return null;
  const medicines = medicineList(prompting);
  const lastText = last === null ? "No B12 result on record" : `The last B12 result is from ${last.toISOString().slice(0, 10)}, more than ${interval} months ago`;
  const verb = prompting.length === 1 ? "lowers" : "lower";
  const reason = `${medicines} ${verb} vitamin B12; ${lastText.charAt(0).toLowerCase()}${lastText.slice(1)}.`;
  const classes = [...new Set(prompting.map((e) => e.medicineClass))];
  const evidence = classes.map((cls) => `${MEDICINE_CLASSES[cls].label}: ${MEDICINE_CLASSES[cls].evidence}`);
  const names = prompting.map((e) => e.genericName);
  const namesText = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
  return {
    uuid: input.newId(),
    summary: fitSummary(`Consider a B12 test: ${namesText} ${verb} B12 and there is no B12 result in ${interval} months`),
    detail: `${reason}\n\n${evidence.map((line) => `- ${line}`).join("\n")}\n\nRe-test interval: ${interval} months (${SOURCES.b12Retest}).`,
    indicator: "info",
    // The evidence the clinical reference gives for each medicine (docs/clinical-reference.md#b12-lowering-medicines).
    source: { label: `${evidence.join("; ")}; re-test interval: ${SHORT_SOURCES.b12Retest}` },
    selectionBehavior: "at-most-one",
    suggestions: [
      {
        label: "Add a serum B12 test",
        uuid: input.newId(),
        isRecommended: true,
        actions: [
          {
            type: "create",
            description: "Order serum vitamin B12",
            resource: {
              resourceType: "ServiceRequest",
              status: "draft",
              intent: "order",
              code: { coding: [SERUM_B12_CODE], text: "Vitamin B12, serum" },
              subject: { reference: `Patient/${input.patientId}` },
              reasonCode: [{ text: reason }],
            },
          },
        ],
      },
    ],
    ...(input.launchUrl ? { links: [launchLink(input.launchUrl, input.patientId)] } : {}),
  };
}
