/**
 * Deterministic demo and test data: the same seed and as-of date always give the same patients.
 * Pure data (no database): the demo seed writes it (lib/data/import/write.ts), and tests build their own cases from
 * the same factories. Distributions are plausible for adults aged 60–95 in a geriatric clinic,
 * not a population sample: grip and gait decline with age and over visits (SOEP norms of Steiber N,
 * PLoS ONE 2016;11(10):e0163917, in tests/fixtures/norms/; Bohannon & Andrews, Physiotherapy 2011),
 * B12 is log-normal and lower on metformin, and
 * medicine rates follow what older primary-care panels show (statins ~40 %, PPIs ~25 %,
 * metformin ~20 %).
 */
import { addDaysUtc, addMonthsUtc } from "@/lib/domain/dates";
import { findMedicineById } from "@/lib/domain/medicine-catalogue";
import { toCanonical } from "@/lib/domain/units";
import type { ConditionCode, Diet, MassMethod, MeasureKind, Sex, StoredMedication, StoredObservation } from "@/lib/domain/types";
import type { NewPatient } from "@/lib/data/patients/new-patient";

/** mulberry32: a tiny, well-distributed PRNG, so a seed reproduces the data exactly. */
export function createRng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    /** Box–Muller normal deviate. */
    normal: (mean: number, sd: number) => mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}
export type Rng = ReturnType<typeof createRng>;

const FAMILY_NAMES = [
  "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson",
  "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Lewis", "Harris", "Martin",
  "Cooper", "King", "Lee", "Baker", "Morris", "Nguyen", "Garcia", "Müller", "Schmidt", "O'Brien", "Kowalski", "Rossi",
  "Dubois", "Santos", "Ahmed", "Chen", "Okafor", "Hughes", "Edwards", "Turner", "Hill", "Moore", "Ward", "Price", "Bennett",
] as const;
const GIVEN_FEMALE = [
  "Margaret", "Patricia", "Joan", "Dorothy", "Barbara", "Elizabeth", "Mary", "Jean", "Susan", "Helen", "Anne", "Ruth", "Irene",
  "Brenda", "Sheila", "Maureen", "Carol", "Linda", "Rosa", "Ingrid", "Aisha", "Mei", "Priya", "Fatima", "Sofia", "Edith",
] as const;
const GIVEN_MALE = [
  "John", "David", "Michael", "Peter", "Robert", "William", "James", "Brian", "Kenneth", "George", "Thomas", "Alan", "Raymond",
  "Derek", "Frank", "Harold", "Stanley", "Ahmed", "Wei", "Rajesh", "Carlos", "Hans", "Jan", "Kwame", "Luis", "Ernest",
] as const;
const CONDITIONS: readonly ConditionCode[] = [
  "autoimmune_gastritis", "atrophic_gastritis", "gastrectomy", "bariatric_surgery", "ileal_resection", "crohns_ileal", "coeliac", "pelvic_radiotherapy",
];

/** [catalogue id, share of patients taking it] — chosen per patient independently. */
const MEDICINE_RATES: readonly (readonly [string, number])[] = [
  ["metformin", 0.2], ["omeprazole", 0.14], ["lansoprazole", 0.07], ["pantoprazole", 0.04], ["famotidine", 0.03],
  ["atorvastatin", 0.25], ["simvastatin", 0.1], ["rosuvastatin", 0.05], ["prednisolone", 0.05], ["colchicine", 0.02],
  ["cyanocobalamin", 0.05], ["hydroxocobalamin", 0.03], ["sertraline", 0.07], ["mirtazapine", 0.03], ["zopiclone", 0.03],
  ["diazepam", 0.02], ["oxycodone", 0.02], ["morphine", 0.02], ["tramadol", 0.03], ["furosemide", 0.08], ["quetiapine", 0.02],
];

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

function observation(kind: MeasureKind, reported: number, unit: string, observedAt: Date, digits: number, method: MassMethod | null = null): StoredObservation {
  const text = reported.toFixed(digits);
  return { kind, value: toCanonical(kind, Number(text), unit), isUnable: false, reportedValue: text, reportedUnit: unit, observedAt, method };
}

function medication(catalogueId: string, startedOn: Date | null, stoppedOn: Date | null): StoredMedication {
  const entry = findMedicineById(catalogueId);
  if (!entry) throw new Error(`factories: "${catalogueId}" is not in the medicine catalogue`);
  return { catalogueId: entry.id, name: entry.genericName, atcCode: entry.atc, rxnormCode: entry.rxnormIngredient, startedOn, stoppedOn };
}

export interface DemoOptions {
  count: number;
  seed: number;
  /** The "today" the histories lead up to (visits fall in the three years before it). */
  asOf: Date;
  mrnPrefix?: string;
  firstIndex?: number;
}

/** Generates one patient; `index` makes MRNs unique and the stream position deterministic. */
export function generateDemoPatient(rng: Rng, index: number, options: DemoOptions): NewPatient {
  const { asOf } = options;
  const sexRoll = rng.next();
  const sex: Sex = sexRoll < 0.56 ? "female" : sexRoll < 0.995 ? "male" : "unknown";
  const age = rng.int(60, 95);
  const birthDate = addDaysUtc(addMonthsUtc(asOf, -12 * age), -rng.int(0, 364));
  const givenName = rng.pick(sex === "male" ? GIVEN_MALE : sex === "female" ? GIVEN_FEMALE : [...GIVEN_MALE, ...GIVEN_FEMALE]);
  const dietRoll = rng.next();
  const diet: Diet | null = dietRoll < 0.02 ? "vegan" : dietRoll < 0.08 ? "vegetarian" : dietRoll < 0.88 ? "omnivore" : null;
  const conditions = rng.chance(0.06) ? [rng.pick(CONDITIONS)] : [];

  const medications: StoredMedication[] = [];
  for (const [id, rate] of MEDICINE_RATES) {
    if (!rng.chance(rate)) continue;
    const startedOn = rng.chance(0.85) ? addDaysUtc(asOf, -rng.int(60, 365 * 12)) : null;
    const stoppedOn = startedOn && rng.chance(0.1) ? addDaysUtc(startedOn, rng.int(30, Math.max(31, (asOf.getTime() - startedOn.getTime()) / 86_400_000 - 1))) : null;
    medications.push(medication(id, startedOn, stoppedOn));
  }
  const onMetformin = medications.some((m) => m.catalogueId === "metformin" && !m.stoppedOn);
  const lowB12Risk = onMetformin || diet === "vegan" || conditions.length > 0;

  // Individual baselines: a frailer patient is weaker and slower across every measure.
  const frailty = rng.normal(0, 1);
  const male = sex === "male" || (sex === "unknown" && rng.chance(0.5));
  const gripBase = (male ? 41 - 0.55 * (age - 60) : 25 - 0.35 * (age - 60)) - 3.5 * frailty;
  const gaitBase = 1.25 - 0.011 * (age - 60) - 0.12 * frailty;
  const chairBase = 10 + 0.12 * (age - 60) + 1.8 * frailty;
  const heightCm = male ? rng.normal(174, 7) : rng.normal(161, 6);
  const asmIndexBase = (male ? 7.6 : 5.9) - 0.35 * frailty - 0.01 * (age - 60);
  const weightBase = male ? rng.normal(80, 12) : rng.normal(67, 11);
  const b12Base = Math.exp(rng.normal(Math.log(lowB12Risk ? 210 : 300), 0.42));
  const gripInLb = rng.chance(0.15);
  const b12Unit = rng.pick(["pmol/L", "pmol/L", "pg/mL", "ng/L"] as const);

  const visitCount = rng.int(1, 4);
  const lastVisit = addDaysUtc(asOf, -rng.int(7, 540));
  const observations: StoredObservation[] = [];
  for (let v = visitCount - 1; v >= 0; v -= 1) {
    const at = addDaysUtc(lastVisit, -v * rng.int(150, 330));
    const years = (lastVisit.getTime() - at.getTime()) / (365.25 * 86_400_000);
    const decline = visitCount - 1 - v; // visits since the first
    if (rng.chance(0.9)) {
      const kg = clamp(rng.normal(gripBase + 0.8 * years, 1.5), 4, 70);
      observations.push(gripInLb ? observation("grip_strength", kg / 0.45359237, "lb", at, 1) : observation("grip_strength", kg, "kg", at, 1));
    }
    if (rng.chance(0.7)) {
      const speed = clamp(rng.normal(gaitBase + 0.03 * years, 0.06), 0.25, 1.8);
      observations.push(rng.chance(0.4) ? observation("gait_speed", 4 / speed, "s/4m", at, 1) : observation("gait_speed", speed, "m/s", at, 2));
    }
    if (rng.chance(0.6)) {
      if (rng.chance(0.03 + Math.max(0, frailty) * 0.04)) {
        observations.push({ kind: "chair_stand_5x", value: null, isUnable: true, reportedValue: "unable", reportedUnit: "s", observedAt: at, method: null });
      } else {
        observations.push(observation("chair_stand_5x", clamp(rng.normal(chairBase - 0.5 * years, 1.2), 5, 45), "s", at, 1));
      }
    }
    if (rng.chance(0.3)) observations.push(observation("sppb", clamp(Math.round(rng.normal(10 - 1.6 * frailty - 0.05 * (age - 60), 1)), 0, 12), "points", at, 0));
    if (rng.chance(0.25)) {
      const method = rng.chance(0.6) ? "dxa" : "bia";
      const asm = clamp(asmIndexBase * (heightCm / 100) ** 2 + rng.normal(0, 0.6) + 0.1 * years, 6, 40);
      observations.push(observation("asm", asm, "kg", at, 1, method));
    }
    observations.push(observation("height", heightCm - 0.2 * decline, "cm", at, 1));
    observations.push(observation("weight", clamp(weightBase - 0.6 * decline + rng.normal(0, 1), 35, 180), "kg", at, 1));
    if (rng.chance(0.5)) observations.push(observation("calf_circumference", clamp((male ? 35.5 : 34) - 1.2 * frailty + rng.normal(0, 1), 22, 50), "cm", at, 1));
    if (rng.chance(0.5)) observations.push(observation("sarc_f", clamp(Math.round(rng.normal(2 + 1.8 * frailty + 0.05 * (age - 60), 1.2)), 0, 10), "points", at, 0));
    if (rng.chance(0.45)) {
      const labAt = new Date(Math.min(addDaysUtc(at, rng.int(-14, 14)).getTime(), asOf.getTime()));
      const pmol = clamp(b12Base * Math.exp(rng.normal(-0.03 * decline, 0.12)), 40, 1400);
      observations.push(b12Unit === "pmol/L" ? observation("b12_total", pmol, "pmol/L", labAt, 0) : observation("b12_total", pmol * 1.355, b12Unit, labAt, 0));
      if (pmol >= 133 && pmol <= 258 && rng.chance(0.35)) {
        const mma = clamp(rng.normal(pmol < 180 ? 0.5 : 0.3, 0.12), 0.08, 3);
        observations.push(observation("mma", mma, "umol/L", new Date(Math.min(addDaysUtc(labAt, rng.int(3, 20)).getTime(), asOf.getTime())), 2));
      }
      if (rng.chance(0.5)) observations.push(observation("egfr", clamp(rng.normal(95 - 0.8 * (age - 40), 15), 8, 120), "mL/min/1.73m2", labAt, 0));
    }
  }
  observations.sort((a, b) => a.observedAt.getTime() - b.observedAt.getTime());

  const prefix = options.mrnPrefix ?? "MRN";
  return {
    mrn: `${prefix}${String(index + 1).padStart(6, "0")}`,
    familyName: rng.pick(FAMILY_NAMES),
    givenName,
    birthDate,
    sex,
    diet,
    conditions,
    attributedToClinician: rng.chance(0.5),
    observations,
    medications,
  };
}

/** Streams `count` patients in order (constant memory for 100,000). */
export function* generateDemoPatients(options: DemoOptions): Generator<NewPatient> {
  const rng = createRng(options.seed);
  const first = options.firstIndex ?? 0;
  for (let i = 0; i < options.count; i += 1) yield generateDemoPatient(rng, first + i, options);
}
