import { describe, expect, it } from "vitest";
import { bulkTable } from "@/lib/data/db/bulk-insert";

/**
 * Bulk rows are typed objects, and a table's column list is checked against its row type when it
 * is declared (lib/data/db/bulk-insert.ts): these declarations must not compile (`npm run
 * typecheck` fails if one does), and a valid one keeps its columns in the given order.
 */
interface ConditionLike {
  id: string;
  patientId: string;
  code: string;
  recordedAt: Date;
  source: string;
}

describe("bulkTable", () => {
  it("keeps the columns of a row type that fits its table, in order", () => {
    const table = bulkTable<ConditionLike>()("PatientCondition", ["id", "patientId", "code", "recordedAt", "source"]);
    expect(table).toEqual({ name: "PatientCondition", columns: ["id", "patientId", "code", "recordedAt", "source"] });
  });

  it("refuses, at compile time, a column list that leaves out a field of the row", () => {
    // @ts-expect-error "source" is missing from the columns.
    const table = bulkTable<ConditionLike>()("PatientCondition", ["id", "patientId", "code", "recordedAt"]);
    expect(table.columns).toHaveLength(4);
  });

  it("refuses, at compile time, a column the row type does not have", () => {
    // @ts-expect-error "resolvedAt" is not a field of ConditionLike.
    bulkTable<ConditionLike>()("PatientCondition", ["id", "patientId", "code", "recordedAt", "source", "resolvedAt"]);
  });

  it("refuses, at compile time, a row type that does not fit the table's model", () => {
    // @ts-expect-error an Observation has no "code" column, and its "kind", "reportedValue"… are missing.
    bulkTable<ConditionLike>()("Observation", ["id", "patientId", "code", "recordedAt", "source"]);
  });
});
