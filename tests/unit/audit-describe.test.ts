import { describe, expect, it } from "vitest";
import { AUDIT_ACTIONS, AUDIT_ACTION_LABELS, describeAuditEvent } from "@/lib/domain/audit-describe";
import { FLAG_LABELS } from "@/lib/domain/labels";
import { MEASURE_LABELS } from "@/lib/domain/measures";

/** The audit pages' sentences: what changed, in words, from each action's stored detail. */
describe("describeAuditEvent", () => {
  it.each([
    ["observation.create", { kind: "grip_strength", reportedValue: "18.5", reportedUnit: "kg", observedAt: "2026-11-20T00:00:00.000Z" }, `Entered ${MEASURE_LABELS.grip_strength}: 18.5 kg on 2026-11-20.`],
    ["observation.update", { before: { kind: "gait_speed", reportedValue: "0.7", reportedUnit: "m/s" }, after: { kind: "gait_speed", reportedValue: "0.9", reportedUnit: "m/s" } }, `Corrected ${MEASURE_LABELS.gait_speed} from 0.7 m/s to 0.9 m/s.`],
    ["observation.entered_in_error", { reason: "wrong patient", value: { kind: "chair_stand_5x", isUnable: true } }, `Marked ${MEASURE_LABELS.chair_stand_5x} (unable) entered in error: wrong patient.`],
    ["medication.change", { change: "add", name: "metformin", startedOn: "2025-01-01" }, "Added metformin from 2025-01-01."],
    ["medication.change", { change: "stop", name: "omeprazole", after: { stoppedOn: "2026-11-01" } }, "Stopped omeprazole on 2026-11-01."],
    ["flag.update", { code: "b12_test_due", change: "reopen" }, `Reopened ${FLAG_LABELS.b12_test_due}.`],
    ["patient.search", { total: 3, patientIds: ["a", "b", "c"], query: { q: "smith", sort: "tier" } }, "Listed 3 patients of a panel search (3 matches); filters: q smith."],
    ["export.run", { format: "csv", rows: 1000, completed: true }, "Exported CSV cohort of 1000 patients."],
    ["audit.verify", { ok: false, brokenAtSeq: 17 }, "Verified the audit chain: broken at event 17."],
    ["audit.verify", { ok: false, brokenAtSeq: null, brokenAtChainSeq: 42 }, "Verified the audit chain: broken from no. 42 of the clinic's chain on."],
    ["user.create", { email: "x@y.z", role: "analyst" }, "Added x@y.z as analyst."],
  ])("%s %j", (action, detail, expected) => {
    expect(describeAuditEvent(action, detail)).toBe(expected);
  });

  it("says when a search or import merely listed the asking patient", () => {
    expect(describeAuditEvent("patient.search", { total: 1, patientIds: ["p1"] }, "p1")).toBe("The patient was listed in the results of a panel search (1 match).");
    expect(describeAuditEvent("import.run", { fileName: "lab.csv", patients: { created: ["p1"], updated: [] } }, "p1")).toBe("Created the patient by importing lab.csv.");
    expect(describeAuditEvent("import.run", { fileName: "lab.csv", patients: { created: [], updated: ["p1"] } }, "p1")).toBe("Updated the patient by importing lab.csv.");
  });

  it("describes every action, even with a missing or malformed detail", () => {
    for (const action of AUDIT_ACTIONS) {
      expect(AUDIT_ACTION_LABELS[action]).toBeTruthy();
      for (const detail of [{}, null, "text", [1, 2]]) expect(describeAuditEvent(action, detail)).toMatch(/\.$/);
    }
    expect(describeAuditEvent("something.new", {})).toBe("something.new");
  });
});
