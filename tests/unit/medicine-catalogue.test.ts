import { describe, expect, it } from "vitest";
import { MEDICATION_CLASS_FILTERS } from "@/lib/validation/cohort";
import {
  findMedicineById,
  matchMedicine,
  matchMedicineByCode,
  MEDICINE_CATALOGUE,
  MEDICINE_CLASSES,
  searchMedicines,
  type MedicineClass,
} from "@/lib/domain/medicine-catalogue";

describe("medicine catalogue data", () => {
  it("has unique ids, ATC codes and names (a name can mean only one medicine)", () => {
    const ids = MEDICINE_CATALOGUE.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const atcs = MEDICINE_CATALOGUE.map((e) => e.atc);
    expect(new Set(atcs).size).toBe(atcs.length);
    const names = MEDICINE_CATALOGUE.filter((e) => !e.isClassEntry).flatMap((e) => [e.genericName, ...e.synonyms, ...e.brandNames].map((n) => n.toLowerCase()));
    expect(new Set(names).size).toBe(names.length);
  });

  it("ATC codes are well formed; ingredients sit under their class entry", () => {
    for (const entry of MEDICINE_CATALOGUE) {
      expect(entry.atc).toMatch(entry.isClassEntry ? /^[A-Z]\d{2}[A-Z]{1,2}$/ : /^[A-Z]\d{2}[A-Z]{2}\d{2}$/);
    }
  });

  it("derives roles from the class", () => {
    for (const entry of MEDICINE_CATALOGUE) expect(entry.roles).toEqual(MEDICINE_CLASSES[entry.medicineClass].roles);
  });

  it.each<[string, string, string | null, MedicineClass]>([
    ["metformin", "A10BA02", "6809", "metformin"],
    ["omeprazole", "A02BC01", "7646", "ppi"],
    ["pantoprazole", "A02BC02", "40790", "ppi"],
    ["lansoprazole", "A02BC03", "17128", "ppi"],
    ["esomeprazole", "A02BC05", "283742", "ppi"],
    ["rabeprazole", "A02BC04", "114979", "ppi"],
    ["dexlansoprazole", "A02BC06", "816346", "ppi"],
    ["cimetidine", "A02BA01", "2541", "h2ra"],
    ["famotidine", "A02BA03", "4278", "h2ra"],
    ["nizatidine", "A02BA04", "42319", "h2ra"],
    ["ranitidine", "A02BA02", "9143", "h2ra"],
    ["colchicine", "M04AC01", null, "colchicine"],
    ["nitrous oxide", "N01AX13", null, "nitrous_oxide"],
    ["cyanocobalamin", "B03BA01", null, "b12_replacement"],
    ["hydroxocobalamin", "B03BA03", null, "b12_replacement"],
    ["prednisolone", "H02AB06", null, "glucocorticoid"],
    ["prednisone", "H02AB07", null, "glucocorticoid"],
    ["dexamethasone", "H02AB02", null, "glucocorticoid"],
    ["hydrocortisone", "H02AB09", null, "glucocorticoid"],
    ["methylprednisolone", "H02AB04", null, "glucocorticoid"],
    ["atorvastatin", "C10AA05", "83367", "statin"],
    ["simvastatin", "C10AA01", "36567", "statin"],
    ["rosuvastatin", "C10AA07", "301542", "statin"],
    ["pravastatin", "C10AA03", "42463", "statin"],
  ])("docs/clinical-reference.md#medicines: %s (%s, RxNorm %s) is %s", (name, atc, rxnorm, cls) => {
    const entry = matchMedicine(name);
    expect(entry).toMatchObject({ genericName: name, atc, rxnormIngredient: rxnorm, medicineClass: cls });
  });

  it("H2RA RxNorm ids are marked unconfirmed, as in the clinical reference", () => {
    expect(matchMedicine("famotidine")?.rxnormConfirmed).toBe(false);
    expect(matchMedicine("omeprazole")?.rxnormConfirmed).toBe(true);
  });

  it("the panel's medicine-class filter names only catalogue classes, the antiepileptics among them", () => {
    const classes = new Set<string>(MEDICINE_CATALOGUE.map((e) => e.medicineClass));
    for (const cls of MEDICATION_CLASS_FILTERS) expect(classes.has(cls), cls).toBe(true);
    expect(MEDICATION_CLASS_FILTERS).toContain("antiepileptic");
  });

  it("includes each STOPPFall class", () => {
    const classes = new Set(MEDICINE_CATALOGUE.map((e) => e.medicineClass));
    for (const cls of ["antipsychotic", "antidepressant", "benzodiazepine", "z_drug", "opioid", "loop_diuretic"] as const) {
      expect(classes.has(cls)).toBe(true);
    }
  });
});

describe("matchMedicine (exact, never fuzzy)", () => {
  it.each<[string, string | null]>([
    ["Metformin", "metformin"],
    ["  metformin  ", "metformin"],
    ["GLUCOPHAGE", "metformin"],
    ["Nexium", "esomeprazole"],
    ["frusemide", "furosemide"],
    ["Nitrous  Oxide", "nitrous_oxide"],
    ["metformin 500 mg", null],
    ["omeprazol", null],
    ["", null],
    ["proton-pump inhibitor (other)", null],
  ])("%j → %s", (name, id) => {
    expect(matchMedicine(name)?.id ?? null).toBe(id);
  });

  it("finds by id", () => {
    expect(findMedicineById("atorvastatin")?.genericName).toBe("atorvastatin");
    expect(findMedicineById("class_statin")?.isClassEntry).toBe(true);
    expect(findMedicineById("nope")).toBeNull();
  });
});

describe("searchMedicines (picker)", () => {
  it("puts prefix matches before substring matches and skips class entries", () => {
    const ids = searchMedicines("pred").map((e) => e.id);
    expect(ids.slice(0, 2)).toEqual(["prednisolone", "prednisone"]);
    expect(ids).toContain("methylprednisolone");
    expect(ids.indexOf("methylprednisolone")).toBeGreaterThan(1);
    expect(searchMedicines("other").every((e) => !e.isClassEntry)).toBe(true);
  });

  it("matches brand names and ignores an empty query", () => {
    expect(searchMedicines("lipi").map((e) => e.id)).toEqual(["atorvastatin"]);
    expect(searchMedicines("  ")).toEqual([]);
  });
});

describe("matchMedicineByCode", () => {
  it.each<[{ atc?: string; rxnorm?: string }, string | null]>([
    [{ rxnorm: "6809" }, "metformin"],
    [{ rxnorm: "83367" }, "atorvastatin"],
    [{ atc: "A02BC05" }, "esomeprazole"],
    [{ atc: "a02bc05" }, "esomeprazole"],
    [{ atc: "A02BC08" }, "class_ppi"],
    [{ atc: "A02BC" }, "class_ppi"],
    [{ atc: "N05AH05" }, "class_antipsychotic"],
    [{ atc: "N05AN01" }, null],
    [{ atc: "N05CD08" }, "class_benzodiazepine_hypnotic"],
    [{ atc: "A10BB01" }, null],
    [{ rxnorm: "999999", atc: "C10AA05" }, "atorvastatin"],
    [{}, null],
  ])("%j → %s", (codes, id) => {
    expect(matchMedicineByCode(codes)?.id ?? null).toBe(id);
  });
});
