/**
 * The medicine catalogue (docs/clinical-reference.md#medicines): the ONE list a pharmacist reviews. Rules never read
 * free text: a medication counts only once it is matched here by exact generic/brand name, ATC
 * code or RxNorm ingredient. RxNorm ids appear only where the sources give them; the H2RA ids are
 * marked unconfirmed there and here. ATC codes are WHO ATC/DDD index codes.
 */

export type MedicineClass =
  | "metformin"
  | "ppi"
  | "h2ra"
  | "colchicine"
  | "nitrous_oxide"
  | "antiepileptic"
  | "b12_replacement"
  | "glucocorticoid"
  | "statin"
  | "antipsychotic"
  | "antidepressant"
  | "benzodiazepine"
  | "z_drug"
  | "opioid"
  | "loop_diuretic";

export interface MedicineRoles {
  /** Lowers B12: a risk factor for `b12_test_due` (docs/clinical-reference.md#b12-lowering-medicines). */
  b12Lowering: boolean;
  /** B12 replacement: the patient is "on treatment". */
  b12Replacement: boolean;
  /** Bears on muscle or falls: prompts `medication_review` beside a sarcopenia finding. */
  muscleOrFalls: boolean;
}

const B12_LOWERING: MedicineRoles = { b12Lowering: true, b12Replacement: false, muscleOrFalls: false };
const B12_REPLACEMENT: MedicineRoles = { b12Lowering: false, b12Replacement: true, muscleOrFalls: false };
const MUSCLE_OR_FALLS: MedicineRoles = { b12Lowering: false, b12Replacement: false, muscleOrFalls: true };

export interface MedicineClassInfo {
  label: string;
  roles: MedicineRoles;
  evidence: string;
}

/** Roles and evidence come from the class, so one entry cannot contradict its class. */
export const MEDICINE_CLASSES: Record<MedicineClass, MedicineClassInfo> = {
  metformin: {
    label: "Metformin",
    roles: B12_LOWERING,
    evidence: "DPPOS: OR 1.13 per year of use; NHANES 1999-2006 deficiency 5.8% vs 2.4%; ADA advises periodic B12 checks",
  },
  ppi: { label: "Proton-pump inhibitor", roles: B12_LOWERING, evidence: "Lam et al., JAMA 2013: ≥ 2 years' use OR 1.65" },
  h2ra: { label: "H2-receptor antagonist", roles: B12_LOWERING, evidence: "Lam et al., JAMA 2013: ≥ 2 years' use OR 1.25" },
  colchicine: { label: "Colchicine", roles: B12_LOWERING, evidence: "NICE NG239 risk medicine" },
  nitrous_oxide: {
    label: "Nitrous oxide",
    roles: B12_LOWERING,
    evidence: "NICE NG239 risk medicine; B12 can look normal — use homocysteine/MMA",
  },
  antiepileptic: {
    label: "Antiepileptic (B12 risk)",
    roles: B12_LOWERING,
    evidence: "NICE NG239 risk medicine as listed by secondary summaries (Pulse, NASGP); unconfirmed",
  },
  b12_replacement: { label: "B12 replacement", roles: B12_REPLACEMENT, evidence: "Means the patient is on treatment" },
  glucocorticoid: { label: "Systemic glucocorticoid", roles: MUSCLE_OR_FALLS, evidence: "Glucocorticoid myopathy" },
  statin: { label: "Statin", roles: MUSCLE_OR_FALLS, evidence: "Statin-associated muscle symptoms" },
  antipsychotic: { label: "Antipsychotic", roles: MUSCLE_OR_FALLS, evidence: "STOPPFall, Seppala et al., Age Ageing 2021" },
  antidepressant: { label: "Antidepressant", roles: MUSCLE_OR_FALLS, evidence: "STOPPFall, Seppala et al., Age Ageing 2021" },
  benzodiazepine: { label: "Benzodiazepine", roles: MUSCLE_OR_FALLS, evidence: "STOPPFall, Seppala et al., Age Ageing 2021" },
  z_drug: { label: "Z-drug", roles: MUSCLE_OR_FALLS, evidence: "STOPPFall, Seppala et al., Age Ageing 2021" },
  opioid: { label: "Opioid", roles: MUSCLE_OR_FALLS, evidence: "STOPPFall, Seppala et al., Age Ageing 2021" },
  loop_diuretic: { label: "Loop diuretic", roles: MUSCLE_OR_FALLS, evidence: "STOPPFall, Seppala et al., Age Ageing 2021" },
};

interface MedicineRow {
  generic: string;
  atc: string;
  cls: MedicineClass;
  brands?: readonly string[];
  /** Other spellings of the generic name (INN vs USAN/BAN). */
  synonyms?: readonly string[];
  rxnorm?: string;
  /** false where the clinical reference marks the RxNorm id (unconfirmed). */
  rxnormConfirmed?: boolean;
}

/**
 * Ingredients. Brand names are common examples (US/UK); a name absent here is kept as free text
 * and reported at import, never guessed.
 */
const MEDICINES: readonly MedicineRow[] = [
  // B12-lowering (docs/clinical-reference.md#b12-lowering-medicines)
  { generic: "metformin", atc: "A10BA02", cls: "metformin", rxnorm: "6809", brands: ["Glucophage", "Glumetza", "Fortamet", "Riomet"] },
  { generic: "omeprazole", atc: "A02BC01", cls: "ppi", rxnorm: "7646", brands: ["Prilosec", "Losec"] },
  { generic: "pantoprazole", atc: "A02BC02", cls: "ppi", rxnorm: "40790", brands: ["Protonix", "Protium"] },
  { generic: "lansoprazole", atc: "A02BC03", cls: "ppi", rxnorm: "17128", brands: ["Prevacid", "Zoton"] },
  { generic: "rabeprazole", atc: "A02BC04", cls: "ppi", rxnorm: "114979", brands: ["Aciphex", "Pariet"] },
  { generic: "esomeprazole", atc: "A02BC05", cls: "ppi", rxnorm: "283742", brands: ["Nexium"] },
  { generic: "dexlansoprazole", atc: "A02BC06", cls: "ppi", rxnorm: "816346", brands: ["Dexilant"] },
  { generic: "cimetidine", atc: "A02BA01", cls: "h2ra", rxnorm: "2541", rxnormConfirmed: false, brands: ["Tagamet"] },
  { generic: "ranitidine", atc: "A02BA02", cls: "h2ra", rxnorm: "9143", rxnormConfirmed: false, brands: ["Zantac"] },
  { generic: "famotidine", atc: "A02BA03", cls: "h2ra", rxnorm: "4278", rxnormConfirmed: false, brands: ["Pepcid"] },
  { generic: "nizatidine", atc: "A02BA04", cls: "h2ra", rxnorm: "42319", rxnormConfirmed: false, brands: ["Axid"] },
  { generic: "colchicine", atc: "M04AC01", cls: "colchicine", brands: ["Colcrys", "Mitigare"] },
  { generic: "nitrous oxide", atc: "N01AX13", cls: "nitrous_oxide", brands: ["Entonox"] },
  // Further NICE NG239 risk medicines, from secondary summaries (unconfirmed)
  { generic: "phenobarbital", atc: "N03AA02", cls: "antiepileptic", synonyms: ["phenobarbitone"] },
  { generic: "primidone", atc: "N03AA03", cls: "antiepileptic", brands: ["Mysoline"] },
  { generic: "topiramate", atc: "N03AX11", cls: "antiepileptic", brands: ["Topamax"] },
  { generic: "pregabalin", atc: "N03AX16", cls: "antiepileptic", brands: ["Lyrica"] },
  // B12 replacement
  { generic: "cyanocobalamin", atc: "B03BA01", cls: "b12_replacement", brands: ["Nascobal", "Cytamen"] },
  { generic: "hydroxocobalamin", atc: "B03BA03", cls: "b12_replacement", synonyms: ["hydroxycobalamin"], brands: ["Neo-Cytamen", "Cobalin-H"] },
  { generic: "mecobalamin", atc: "B03BA05", cls: "b12_replacement", synonyms: ["methylcobalamin"] },
  // Systemic glucocorticoids (H02AB)
  { generic: "betamethasone", atc: "H02AB01", cls: "glucocorticoid", brands: ["Celestone"] },
  { generic: "dexamethasone", atc: "H02AB02", cls: "glucocorticoid", brands: ["Decadron"] },
  { generic: "methylprednisolone", atc: "H02AB04", cls: "glucocorticoid", brands: ["Medrol", "Solu-Medrol", "Depo-Medrone"] },
  { generic: "prednisolone", atc: "H02AB06", cls: "glucocorticoid", brands: ["Orapred", "Pediapred"] },
  { generic: "prednisone", atc: "H02AB07", cls: "glucocorticoid", brands: ["Deltasone", "Rayos"] },
  { generic: "triamcinolone", atc: "H02AB08", cls: "glucocorticoid", brands: ["Kenalog"] },
  { generic: "hydrocortisone", atc: "H02AB09", cls: "glucocorticoid", brands: ["Cortef", "Solu-Cortef"] },
  { generic: "cortisone", atc: "H02AB10", cls: "glucocorticoid" },
  { generic: "deflazacort", atc: "H02AB13", cls: "glucocorticoid", brands: ["Calcort", "Emflaza"] },
  // Statins (C10AA)
  { generic: "simvastatin", atc: "C10AA01", cls: "statin", rxnorm: "36567", brands: ["Zocor"] },
  { generic: "lovastatin", atc: "C10AA02", cls: "statin", brands: ["Mevacor", "Altoprev"] },
  { generic: "pravastatin", atc: "C10AA03", cls: "statin", rxnorm: "42463", brands: ["Pravachol"] },
  { generic: "fluvastatin", atc: "C10AA04", cls: "statin", brands: ["Lescol"] },
  { generic: "atorvastatin", atc: "C10AA05", cls: "statin", rxnorm: "83367", brands: ["Lipitor"] },
  { generic: "rosuvastatin", atc: "C10AA07", cls: "statin", rxnorm: "301542", brands: ["Crestor"] },
  { generic: "pitavastatin", atc: "C10AA08", cls: "statin", brands: ["Livalo", "Livazo"] },
  // STOPPFall: antipsychotics (N05A)
  { generic: "chlorpromazine", atc: "N05AA01", cls: "antipsychotic", brands: ["Largactil", "Thorazine"] },
  { generic: "haloperidol", atc: "N05AD01", cls: "antipsychotic", brands: ["Haldol"] },
  { generic: "clozapine", atc: "N05AH02", cls: "antipsychotic", brands: ["Clozaril"] },
  { generic: "olanzapine", atc: "N05AH03", cls: "antipsychotic", brands: ["Zyprexa"] },
  { generic: "quetiapine", atc: "N05AH04", cls: "antipsychotic", brands: ["Seroquel"] },
  { generic: "risperidone", atc: "N05AX08", cls: "antipsychotic", brands: ["Risperdal"] },
  { generic: "aripiprazole", atc: "N05AX12", cls: "antipsychotic", brands: ["Abilify"] },
  // STOPPFall: antidepressants (N06A)
  { generic: "imipramine", atc: "N06AA02", cls: "antidepressant", brands: ["Tofranil"] },
  { generic: "clomipramine", atc: "N06AA04", cls: "antidepressant", brands: ["Anafranil"] },
  { generic: "amitriptyline", atc: "N06AA09", cls: "antidepressant", brands: ["Elavil"] },
  { generic: "nortriptyline", atc: "N06AA10", cls: "antidepressant", brands: ["Pamelor", "Allegron"] },
  { generic: "fluoxetine", atc: "N06AB03", cls: "antidepressant", brands: ["Prozac"] },
  { generic: "citalopram", atc: "N06AB04", cls: "antidepressant", brands: ["Celexa", "Cipramil"] },
  { generic: "paroxetine", atc: "N06AB05", cls: "antidepressant", brands: ["Paxil", "Seroxat"] },
  { generic: "sertraline", atc: "N06AB06", cls: "antidepressant", brands: ["Zoloft", "Lustral"] },
  { generic: "fluvoxamine", atc: "N06AB08", cls: "antidepressant", brands: ["Luvox", "Faverin"] },
  { generic: "escitalopram", atc: "N06AB10", cls: "antidepressant", brands: ["Lexapro", "Cipralex"] },
  { generic: "trazodone", atc: "N06AX05", cls: "antidepressant", brands: ["Desyrel", "Molipaxin"] },
  { generic: "mirtazapine", atc: "N06AX11", cls: "antidepressant", brands: ["Remeron", "Zispin"] },
  { generic: "venlafaxine", atc: "N06AX16", cls: "antidepressant", brands: ["Effexor"] },
  { generic: "duloxetine", atc: "N06AX21", cls: "antidepressant", brands: ["Cymbalta"] },
  // STOPPFall: benzodiazepines (anxiolytic N05BA; hypnotic N05CD)
  { generic: "diazepam", atc: "N05BA01", cls: "benzodiazepine", brands: ["Valium"] },
  { generic: "chlordiazepoxide", atc: "N05BA02", cls: "benzodiazepine", brands: ["Librium"] },
  { generic: "oxazepam", atc: "N05BA04", cls: "benzodiazepine" },
  { generic: "lorazepam", atc: "N05BA06", cls: "benzodiazepine", brands: ["Ativan"] },
  { generic: "alprazolam", atc: "N05BA12", cls: "benzodiazepine", brands: ["Xanax"] },
  { generic: "nitrazepam", atc: "N05CD02", cls: "benzodiazepine", brands: ["Mogadon"] },
  { generic: "temazepam", atc: "N05CD07", cls: "benzodiazepine", brands: ["Restoril"] },
  // STOPPFall: Z-drugs (N05CF)
  { generic: "zopiclone", atc: "N05CF01", cls: "z_drug", brands: ["Zimovane", "Imovane"] },
  { generic: "zolpidem", atc: "N05CF02", cls: "z_drug", brands: ["Ambien", "Stilnoct"] },
  { generic: "zaleplon", atc: "N05CF03", cls: "z_drug", brands: ["Sonata"] },
  { generic: "eszopiclone", atc: "N05CF04", cls: "z_drug", brands: ["Lunesta"] },
  // STOPPFall: opioids (N02A)
  { generic: "morphine", atc: "N02AA01", cls: "opioid", brands: ["MS Contin", "Zomorph", "Oramorph"] },
  { generic: "hydromorphone", atc: "N02AA03", cls: "opioid", brands: ["Dilaudid", "Palladone"] },
  { generic: "oxycodone", atc: "N02AA05", cls: "opioid", brands: ["OxyContin", "OxyNorm", "Roxicodone"] },
  { generic: "dihydrocodeine", atc: "N02AA08", cls: "opioid", brands: ["DF118"] },
  { generic: "pethidine", atc: "N02AB02", cls: "opioid", synonyms: ["meperidine"], brands: ["Demerol"] },
  { generic: "fentanyl", atc: "N02AB03", cls: "opioid", brands: ["Duragesic", "Durogesic"] },
  { generic: "buprenorphine", atc: "N02AE01", cls: "opioid", brands: ["Butrans", "Transtec"] },
  { generic: "tramadol", atc: "N02AX02", cls: "opioid", brands: ["Ultram", "Zydol"] },
  { generic: "tapentadol", atc: "N02AX06", cls: "opioid", brands: ["Nucynta", "Palexia"] },
  // STOPPFall: loop diuretics (C03CA)
  { generic: "furosemide", atc: "C03CA01", cls: "loop_diuretic", synonyms: ["frusemide"], brands: ["Lasix"] },
  { generic: "bumetanide", atc: "C03CA02", cls: "loop_diuretic", brands: ["Bumex", "Burinex"] },
  { generic: "torasemide", atc: "C03CA04", cls: "loop_diuretic", synonyms: ["torsemide"], brands: ["Demadex", "Soaanz"] },
];

interface ClassRow {
  id: string;
  label: string;
  atc: string;
  cls: MedicineClass;
  /** ATC sub-groups under `atc` that are not in the class (lithium is N05AN but no antipsychotic). */
  excludes?: readonly string[];
}

/**
 * Class-level entries: a coded medicine (FHIR) whose ATC falls in a class but whose ingredient
 * is not listed above still counts for the class. Not offered by name match or the picker.
 */
const CLASSES: readonly ClassRow[] = [
  { id: "class_ppi", label: "proton-pump inhibitor (other)", atc: "A02BC", cls: "ppi" },
  { id: "class_h2ra", label: "H2-receptor antagonist (other)", atc: "A02BA", cls: "h2ra" },
  { id: "class_b12_replacement", label: "B12 replacement (other)", atc: "B03BA", cls: "b12_replacement" },
  { id: "class_glucocorticoid", label: "systemic glucocorticoid (other)", atc: "H02AB", cls: "glucocorticoid" },
  { id: "class_statin", label: "statin (other)", atc: "C10AA", cls: "statin" },
  { id: "class_antipsychotic", label: "antipsychotic (other)", atc: "N05A", cls: "antipsychotic", excludes: ["N05AN"] },
  { id: "class_antidepressant", label: "antidepressant (other)", atc: "N06A", cls: "antidepressant" },
  { id: "class_benzodiazepine", label: "benzodiazepine anxiolytic (other)", atc: "N05BA", cls: "benzodiazepine" },
  { id: "class_benzodiazepine_hypnotic", label: "benzodiazepine hypnotic (other)", atc: "N05CD", cls: "benzodiazepine" },
  { id: "class_z_drug", label: "Z-drug (other)", atc: "N05CF", cls: "z_drug" },
  { id: "class_opioid", label: "opioid (other)", atc: "N02A", cls: "opioid" },
  { id: "class_loop_diuretic", label: "loop diuretic (other)", atc: "C03CA", cls: "loop_diuretic" },
];

export interface CatalogueEntry {
  /** Stable id stored with a medication: the generic name in snake_case (class entries: `class_*`). */
  id: string;
  genericName: string;
  atc: string;
  rxnormIngredient: string | null;
  rxnormConfirmed: boolean;
  brandNames: readonly string[];
  synonyms: readonly string[];
  medicineClass: MedicineClass;
  roles: MedicineRoles;
  isClassEntry: boolean;
  excludedAtcPrefixes: readonly string[];
}

function toId(generic: string): string {
  return generic.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

export const MEDICINE_CATALOGUE: readonly CatalogueEntry[] = [
  ...MEDICINES.map(
    (row): CatalogueEntry => ({
      id: toId(row.generic),
      genericName: row.generic,
      atc: row.atc,
      rxnormIngredient: row.rxnorm ?? null,
      rxnormConfirmed: row.rxnorm !== undefined && row.rxnormConfirmed !== false,
      brandNames: row.brands ?? [],
      synonyms: row.synonyms ?? [],
      medicineClass: row.cls,
      roles: MEDICINE_CLASSES[row.cls].roles,
      isClassEntry: false,
      excludedAtcPrefixes: [],
    }),
  ),
  ...CLASSES.map(
    (row): CatalogueEntry => ({
      id: row.id,
      genericName: row.label,
      atc: row.atc,
      rxnormIngredient: null,
      rxnormConfirmed: false,
      brandNames: [],
      synonyms: [],
      medicineClass: row.cls,
      roles: MEDICINE_CLASSES[row.cls].roles,
      isClassEntry: true,
      excludedAtcPrefixes: row.excludes ?? [],
    }),
  ),
];

function foldName(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

const INGREDIENTS = MEDICINE_CATALOGUE.filter((entry) => !entry.isClassEntry);
const BY_ID = new Map(MEDICINE_CATALOGUE.map((entry) => [entry.id, entry]));
const BY_NAME = new Map<string, CatalogueEntry>();
for (const entry of INGREDIENTS) {
  for (const name of [entry.genericName, ...entry.synonyms, ...entry.brandNames]) {
    BY_NAME.set(foldName(name), entry);
  }
}

function namesOf(entry: CatalogueEntry): string[] {
  return [entry.genericName, ...entry.synonyms, ...entry.brandNames].map(foldName);
}

/**
 * Exact, case-insensitive match of a generic name, alternative spelling or brand name (surrounding
 * and repeated spaces ignored). Never fuzzy: "metformin 500 mg" and "omeprazol" do not match.
 */
export function matchMedicine(nameOrBrand: string): CatalogueEntry | null {
  return BY_NAME.get(foldName(nameOrBrand)) ?? null;
}

export function findMedicineById(id: string): CatalogueEntry | null {
  return BY_ID.get(id) ?? null;
}

/**
 * Picker search: entries whose generic or brand name starts with the query first, then those
 * containing it; alphabetical within each group. Class entries are not offered.
 */
export function searchMedicines(query: string, limit = 20): CatalogueEntry[] {
  const folded = foldName(query);
  if (folded === "") return [];
  const prefix: CatalogueEntry[] = [];
  const substring: CatalogueEntry[] = [];
  for (const entry of INGREDIENTS) {
    const names = namesOf(entry);
    if (names.some((n) => n.startsWith(folded))) prefix.push(entry);
    else if (names.some((n) => n.includes(folded))) substring.push(entry);
  }
  const byName = (a: CatalogueEntry, b: CatalogueEntry) => (a.genericName < b.genericName ? -1 : a.genericName > b.genericName ? 1 : 0);
  return [...prefix.sort(byName), ...substring.sort(byName)].slice(0, limit);
}

/**
 * Match by code: an RxNorm ingredient id (exact), or an ATC code — exact for a listed
 * ingredient, otherwise the class entry whose ATC class code is a prefix of it (A02BC08 → other
 * PPI). An RxNorm match wins over ATC. Null when neither matches.
 */
export function matchMedicineByCode(codes: { atc?: string | null; rxnorm?: string | null }): CatalogueEntry | null {
  const rxnorm = codes.rxnorm?.trim();
  if (rxnorm) {
    const entry = INGREDIENTS.find((e) => e.rxnormIngredient === rxnorm);
    if (entry) return entry;
  }
  const atc = codes.atc?.trim().toUpperCase();
  if (!atc) return null;
  const exact = MEDICINE_CATALOGUE.find((e) => e.atc === atc);
  if (exact) return exact;
  const classes = MEDICINE_CATALOGUE.filter(
    (e) => e.isClassEntry && atc.startsWith(e.atc) && !e.excludedAtcPrefixes.some((x) => atc.startsWith(x)),
  );
  return classes.sort((a, b) => b.atc.length - a.atc.length)[0] ?? null;
}
