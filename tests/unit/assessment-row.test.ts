import { describe, expect, it } from "vitest";
import { normaliseHeader, parseAssessmentRow, parseMedicineItem, sameMedicine, validateHeaders, type AssessmentRow, type RowError } from "@/lib/validation/assessment-row";

const BASE = { mrn: "P-1", assessed_on: "2026-10-01" };

function ok(record: Record<string, string>): AssessmentRow {
  const result = parseAssessmentRow(record);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.row;
}

function errors(record: Record<string, string>): RowError[] {
  const result = parseAssessmentRow(record);
  if (result.ok) throw new Error("expected errors");
  return result.errors;
}

describe("headers", () => {
  it("are case-insensitive and tolerate spaces and a BOM", () => {
    expect(normaliseHeader("\uFEFF MRN ")).toBe("mrn");
    expect(validateHeaders(["MRN", "Grip_Strength_KG", "b12_value"])).toEqual([]);
  });

  it("name each unknown column, a duplicate, and a missing mrn", () => {
    const result = validateHeaders(["grip", "Sex", "sex", "hba1c"]);
    expect(result.map((e) => e.column)).toEqual(["grip", "sex", "hba1c", "mrn"]);
    expect(result[0]?.message).toContain('Unknown column "grip"');
  });
});

describe("a valid row", () => {
  it("needs only an mrn", () => {
    expect(ok({ mrn: " P-1 " })).toEqual({ mrn: "P-1", demographics: {}, observations: [], medications: [], unknownMedications: [], b12Symptoms: [], stoppedMedications: [] });
  });

  it("treats empty cells as not measured and keys case-insensitively", () => {
    const row = ok({ MRN: "P-1", Assessed_On: "2026-10-01", GRIP_STRENGTH_KG: "22.5", gait_speed_m_s: "", sex: "F" });
    expect(row.observations.map((o) => o.kind)).toEqual(["grip_strength"]);
    expect(row.demographics.sex).toBe("female");
  });

  it.each<[string, string]>([
    ["female", "female"], ["F", "female"], ["m", "male"], ["Male", "male"], ["U", "unknown"], ["unknown", "unknown"],
  ])("sex %s → %s", (text, sex) => {
    expect(ok({ mrn: "P", sex: text }).demographics.sex).toBe(sex);
  });

  it("normalises the full contract row EX-002", () => {
    const row = ok({
      mrn: "EX-002", family_name: "Example", given_name: "Ben", birth_date: "1944-07-19", sex: "male", diet: "omnivore",
      conditions: "", assessed_on: "2026-10-01", grip_strength_lb: "52", walk_4m_s: "5.4", chair_stand_5x_s: "16.5",
      asm_kg: "17.9", asm_method: "dxa", height_cm: "172", b12_value: "160", b12_unit: "pg/mL",
      medications: "metformin@2015-05-01;omeprazole",
    });
    expect(row.demographics).toEqual({ familyName: "Example", givenName: "Ben", birthDate: new Date("1944-07-19T00:00:00Z"), sex: "male" });
    const grip = row.observations.find((o) => o.kind === "grip_strength");
    expect(grip?.value).toBeCloseTo(23.587, 3);
    expect(grip).toMatchObject({ reportedValue: "52", reportedUnit: "lb", observedAt: new Date("2026-10-01T00:00:00Z") });
    expect(row.observations.find((o) => o.kind === "gait_speed")?.value).toBeCloseTo(4 / 5.4, 10);
    expect(row.observations.find((o) => o.kind === "asm")?.method).toBe("dxa");
    expect(row.observations.find((o) => o.kind === "b12_total")).toMatchObject({ reportedValue: "160", reportedUnit: "pg/mL" });
    expect(row.medications).toEqual([
      { name: "metformin", catalogueId: "metformin", startedOn: new Date("2015-05-01T00:00:00Z") },
      { name: "omeprazole", catalogueId: "omeprazole", startedOn: null },
    ]);
  });

  it("accepts 'unable' for the chair stand and the 400 m walk", () => {
    const row = ok({ ...BASE, chair_stand_5x_s: "Unable", walk_400m_s: "unable" });
    expect(row.observations).toEqual([
      expect.objectContaining({ kind: "chair_stand_5x", value: null, isUnable: true }),
      expect.objectContaining({ kind: "walk_400m", value: null, isUnable: true }),
    ]);
  });

  it("keeps unknown medicines as free text and reports them", () => {
    const row = ok({ mrn: "P", medications: "Metformin; wonder pill ; ;atorvastatin@2020-01-01" });
    expect(row.medications.map((m) => m.catalogueId)).toEqual(["metformin", null, "atorvastatin"]);
    expect(row.unknownMedications).toEqual(["wonder pill"]);
  });

  it("parses conditions, de-duplicated", () => {
    expect(ok({ mrn: "P", conditions: "gastrectomy; Coeliac;gastrectomy" }).conditions).toEqual(["gastrectomy", "coeliac"]);
  });
});

describe("row errors name the column and say what to fix", () => {
  it.each<[string, Record<string, string>, string, RegExp]>([
    ["empty mrn", { mrn: " " }, "mrn", /identifier/],
    ["impossible date", { mrn: "P", birth_date: "2023-02-30" }, "birth_date", /not a real calendar date/],
    ["badly written date", { mrn: "P", birth_date: "02/03/1948" }, "birth_date", /YYYY-MM-DD/],
    ["unknown sex", { mrn: "P", sex: "x" }, "sex", /female, male or unknown/],
    ["unknown diet", { mrn: "P", diet: "keto" }, "diet", /omnivore, vegetarian or vegan/],
    ["unknown condition", { mrn: "P", conditions: "gastrectomy;gout" }, "conditions", /"gout"/],
    ["measure without a date", { mrn: "P", grip_strength_kg: "20" }, "assessed_on", /required/],
    ["grip in kg and lb", { ...BASE, grip_strength_kg: "20", grip_strength_lb: "44" }, "grip_strength_lb", /not both/],
    ["gait speed and 4 m time", { ...BASE, gait_speed_m_s: "1", walk_4m_s: "4" }, "walk_4m_s", /not both/],
    ["B12 value without a unit", { ...BASE, b12_value: "200" }, "b12_unit", /required/],
    ["B12 in an unknown unit", { ...BASE, b12_value: "200", b12_unit: "nmol/L" }, "b12_unit", /pmol\/L, pg\/mL or ng\/L/],
    ["decimal comma", { ...BASE, grip_strength_kg: "12,5" }, "grip_strength_kg", /use a point for decimals \(12\.5\)/],
    ["1e309", { ...BASE, grip_strength_kg: "1e309" }, "grip_strength_kg", /not a number/],
    ["NaN", { ...BASE, grip_strength_kg: "NaN" }, "grip_strength_kg", /not a number/],
    ["Infinity", { ...BASE, height_cm: "Infinity" }, "height_cm", /not a number/],
    ["a huge number", { ...BASE, height_cm: "9".repeat(400) }, "height_cm", /too large/],
    ["implausible grip", { ...BASE, grip_strength_kg: "250" }, "grip_strength_kg", /^Grip strength 250 kg is outside the plausible range 0–150 kg; check the value and unit\.$/],
    ["implausible grip in lb (checked in kg)", { ...BASE, grip_strength_lb: "400" }, "grip_strength_lb", /400 lb \(181\.4 kg\) is outside the plausible range 0–150 kg/],
    ["negative value", { ...BASE, calf_circumference_cm: "-3" }, "calf_circumference_cm", /plausible range/],
    ["fractional SPPB", { ...BASE, sppb_score: "7.5" }, "sppb_score", /whole number from 0 to 12/],
    ["SARC-F above 10", { ...BASE, sarc_f_score: "11" }, "sarc_f_score", /0–10/],
    ["impossibly fast 4 m walk", { ...BASE, walk_4m_s: "0.5" }, "walk_4m_s", /Gait speed/],
    ["zero 4 m walk time", { ...BASE, walk_4m_s: "0" }, "walk_4m_s", /more than 0 seconds/],
    ["'unable' for grip", { ...BASE, grip_strength_kg: "unable" }, "grip_strength_kg", /only for the chair stand/],
    ["unknown mass method", { ...BASE, asm_kg: "18", asm_method: "mri" }, "asm_method", /dxa or bia/],
    ["medication start date invalid", { mrn: "P", medications: "metformin@2015-13-01" }, "medications", /not a real calendar date/],
    ["medication starts after the visit", { ...BASE, medications: "metformin@2027-01-01" }, "medications", /after the assessment date/],
    ["birth after the visit", { ...BASE, birth_date: "2026-10-02" }, "birth_date", /after the assessment date/],
  ])("%s", (_label, record, column, message) => {
    const found = errors(record);
    expect(found).toContainEqual({ column, message: expect.stringMatching(message) });
  });

  it("reports every problem in the row, not just the first", () => {
    const found = errors({ mrn: "P", sex: "x", grip_strength_kg: "12,5", b12_value: "200", diet: "keto" });
    expect(found.map((e) => e.column).sort()).toEqual(["assessed_on", "b12_unit", "diet", "grip_strength_kg", "sex"]);
  });
});

describe("a medicine item: name or name@YYYY-MM-DD", () => {
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

  it("reads a name alone, and a name with a date (the last @ separates them)", () => {
    expect(parseMedicineItem("metformin", "Stop")).toEqual({ ok: true, name: "metformin", date: null });
    expect(parseMedicineItem(" metformin @ 2026-02-28 ", "Stop")).toEqual({ ok: true, name: "metformin", date: day("2026-02-28") });
    expect(parseMedicineItem("drops@home@2024-02-29", "Start")).toEqual({ ok: true, name: "drops@home", date: day("2024-02-29") });
  });

  it.each<[string, RegExp]>([
    ["@2026-01-01", /has no name before the @ date/],
    ["metformin@", /Stop date of metformin "" must be a date written YYYY-MM-DD/],
    ["metformin@2026-02-29", /not a real calendar date/],
    ["metformin@2026-2-1", /must be a date written YYYY-MM-DD/],
    ["metformin@1899-12-31", /before 1900/],
    [`${"x".repeat(201)}`, /characters is not accepted/],
  ])("refuses %j", (item, message) => {
    const result = parseMedicineItem(item, "Stop");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it("the same medicine: one catalogue entry, or for free text one name ignoring case", () => {
    expect(sameMedicine({ name: "Glucophage", catalogueId: "metformin" }, { name: "metformin", catalogueId: "metformin" })).toBe(true);
    expect(sameMedicine({ name: "Herbal Tea", catalogueId: null }, { name: " herbal tea", catalogueId: null })).toBe(true);
    expect(sameMedicine({ name: "metformin", catalogueId: null }, { name: "metformin", catalogueId: "metformin" })).toBe(false);
  });
});

describe("the AWGS 2025 and NICE columns", () => {
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

  it("reads Yubi-wakka results case-insensitively and refuses others", () => {
    expect(ok({ ...BASE, yubi_wakka: "Just_Fits" }).yubiWakka).toBe("just_fits");
    expect(ok({ ...BASE }).yubiWakka).toBeUndefined();
    expect(errors({ ...BASE, yubi_wakka: "just fits" })).toEqual([{ column: "yubi_wakka", message: expect.stringContaining("bigger, just_fits, smaller") }]);
  });

  it("reads B12 symptoms once each, in the file's order, and names an unknown code", () => {
    expect(ok({ ...BASE, b12_symptoms: "low_mood; Fatigue;;low_mood" }).b12Symptoms).toEqual(["low_mood", "fatigue"]);
    expect(errors({ ...BASE, b12_symptoms: "fatigue;numbness" })).toEqual([{ column: "b12_symptoms", message: expect.stringContaining('"numbness"') }]);
    expect(errors({ mrn: "P-1", b12_symptoms: "fatigue" })).toEqual([{ column: "assessed_on", message: expect.stringContaining("B12 symptom") }]);
  });

  it("dates a stop by its own date or else the visit's; a stop on the visit day is accepted, the day after is not", () => {
    expect(ok({ ...BASE, medications_stopped: "omeprazole;Glucophage@2026-09-30" }).stoppedMedications).toEqual([
      { name: "omeprazole", catalogueId: "omeprazole", stoppedOn: day("2026-10-01") },
      { name: "Glucophage", catalogueId: "metformin", stoppedOn: day("2026-09-30") },
    ]);
    expect(ok({ ...BASE, medications_stopped: "omeprazole@2026-10-01" }).stoppedMedications[0]?.stoppedOn).toEqual(day("2026-10-01"));
    expect(errors({ ...BASE, medications_stopped: "omeprazole@2026-10-02" })).toEqual([{ column: "medications_stopped", message: expect.stringContaining("after the assessment date") }]);
  });

  it("needs a stop date on an undated row, and accepts one given with @", () => {
    expect(ok({ mrn: "P-1", medications_stopped: "omeprazole@2026-01-05" }).stoppedMedications).toEqual([{ name: "omeprazole", catalogueId: "omeprazole", stoppedOn: day("2026-01-05") }]);
    expect(errors({ mrn: "P-1", medications_stopped: "omeprazole" })).toEqual([{ column: "medications_stopped", message: expect.stringContaining("omeprazole@YYYY-MM-DD") }]);
  });

  it("refuses a medicine taken and stopped in one row, by catalogue entry whatever the name", () => {
    expect(errors({ ...BASE, medications: "Glucophage", medications_stopped: "metformin" })).toEqual([{ column: "medications_stopped", message: expect.stringContaining("both as taken") }]);
    expect(ok({ ...BASE, medications: "metformin", medications_stopped: "omeprazole" }).stoppedMedications).toHaveLength(1);
  });

  it("reads MMA in nmol/L converted to µmol/L, and refuses both units in one row", () => {
    const [mma] = ok({ ...BASE, mma_nmol_l: "270" }).observations;
    expect(mma).toMatchObject({ kind: "mma", reportedValue: "270", reportedUnit: "nmol/L" });
    expect(mma?.value).toBeCloseTo(0.27, 12);
    expect(errors({ ...BASE, mma_umol_l: "0.27", mma_nmol_l: "270" })).toEqual([{ column: "mma_nmol_l", message: "Give MMA in µmol/L or in nmol/L, not both." }]);
  });
});
