import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "@/lib/docs/markdown";
import { REFERENCE_SECTION } from "@/lib/docs/reference-sections";
import { EXPORT_COLUMNS } from "@/lib/domain/csv-export";
import { B12_SYMPTOM_MAPPINGS, CONDITION_MAPPINGS, LOCAL_SYSTEM, OBSERVATION_CODES, RXNORM_CLINICAL_DRUGS, YUBI_WAKKA_RESULT_SYSTEM } from "@/lib/domain/fhir-codes";
import { B12_SYMPTOM_LABELS } from "@/lib/domain/b12-symptoms";
import { GLIS_DEFINITION } from "@/lib/domain/glis";
import { AWGS2019_LABELS, AWGS2025_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS, TIER_LABELS } from "@/lib/domain/labels";
import { MEDICINE_CATALOGUE } from "@/lib/domain/medicine-catalogue";
import { THRESHOLD_CATALOGUE, type ThresholdCatalogueEntry } from "@/lib/domain/thresholds";
import { CONDITION_CODES, FLAG_CODES } from "@/lib/domain/types";
import { KG_PER_LB, PG_ML_PER_PMOL_L } from "@/lib/domain/units";
import { ASSESSMENT_COLUMNS } from "@/lib/validation/assessment-row";

/**
 * The documents in docs/ are the project's contracts and its clinical reference: these tests keep
 * them true to the code (every threshold, medicine, code and column), keep every citation of a
 * section pointing at a heading that exists, and keep the repository standing on its own.
 */
const ROOT = process.cwd();
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const reference = read("docs/clinical-reference.md");
const design = read("docs/design.md");

/** Text files of the repository (what a clone holds), without installed or generated ones. */
function repositoryFiles(dir = ROOT): string[] {
  const skip = new Set(["node_modules", ".git", ".next", "data", "generated", "test-results", "playwright-report", ".test-reports", "coverage"]);
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return skip.has(name) ? [] : repositoryFiles(file);
    const isText = /\.(ts|tsx|mts|js|mjs|cjs|md|sh|css|prisma|sql|ya?ml)$/.test(name) || name === "package.json" || file === path.join(ROOT, ".ci", "run");
    return isText ? [file] : [];
  });
}
const files = repositoryFiles().map((file) => ({ file: path.relative(ROOT, file), text: readFileSync(file, "utf8") }));

describe("the repository stands on its own", () => {
  // Built from parts so that this file does not match itself.
  const outside = ["..", "shared"].join("/");
  const oldNotes = ["DESIGN", "CLINICAL", "STYLE", "TOOLCHAIN"].map((name) => `${name}.md`);

  it("reads and links nothing beside the checkout", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => f.text.includes(outside)).map((f) => f.file)).toEqual([]);
  });

  it("cites docs/ instead of notes that are not in the repository", () => {
    expect(files.filter((f) => oldNotes.some((note) => f.text.includes(note))).map((f) => f.file)).toEqual([]);
  });
});

describe("every citation of a document section names a heading that exists", () => {
  const docs = new Map(
    readdirSync(path.join(ROOT, "docs"))
      .filter((name) => name.endsWith(".md"))
      .map((name) => [name, new Set(renderMarkdown(read(`docs/${name}`)).headings.map((h) => h.id))]),
  );

  it("docs/<name>.md#<anchor> anywhere in the repository, and links between and within the documents", () => {
    const citations: { file: string; doc: string; anchor: string }[] = [];
    for (const { file, text } of files) {
      for (const m of text.matchAll(/docs\/([a-z-]+\.md)#([A-Za-z0-9_-]+)/g)) citations.push({ file, doc: m[1]!, anchor: m[2]! });
      if (!file.endsWith(".md")) continue;
      for (const m of text.matchAll(/\]\(((?:\.\.\/)*(?:docs\/)?)?([a-z-]+\.md)?#([A-Za-z0-9_-]+)\)/g)) {
        const doc = m[2] ?? path.basename(file);
        if (m[2] === undefined && !file.startsWith("docs/")) continue;
        citations.push({ file, doc, anchor: m[3]! });
      }
    }
    expect(citations.length).toBeGreaterThan(10);
    const broken = citations.filter((c) => !docs.get(c.doc)?.has(c.anchor)).map((c) => `${c.file}: ${c.doc}#${c.anchor}`);
    expect(broken).toEqual([]);
  });

  it("the Thresholds page links each group to its section of the clinical reference", () => {
    for (const anchor of Object.values(REFERENCE_SECTION)) expect(docs.get("clinical-reference.md")?.has(anchor), anchor).toBe(true);
  });
});

describe("the clinical reference describes what the engine does", () => {
  const rows = reference.split("\n").filter((line) => line.startsWith("|"));
  const SYMBOL = { "<": "<", "<=": "≤", ">": ">", ">=": "≥" } as const;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  /** Points added to SARC-CalF, not a comparison (the catalogue gives it ">=", which the page shows). */
  const NOT_A_COMPARISON = new Set(["caseFinding.sarcCalFCalfPoints"]);

  /** The table row documenting `entry`: the one naming its key, or the key of its men/women (or unit) pair. */
  function rowOf(entry: ThresholdCatalogueEntry): string | undefined {
    const pair = entry.key.split(".").slice(0, -1).join(".");
    return rows.find((r) => r.includes(`\`${entry.key}\``)) ?? rows.find((r) => r.includes(`\`${pair}\``));
  }

  function expectedText(entry: ThresholdCatalogueEntry): RegExp {
    if (typeof entry.value === "boolean") return new RegExp(`\\| ${entry.value ? "yes" : "no"}\\b`);
    if (typeof entry.value === "string") return new RegExp(escape(`\`${entry.value}\``));
    const number = `${escape(String(entry.value))}(\\.0)?(?![\\d.])`;
    if (entry.comparison === null || NOT_A_COMPARISON.has(entry.key)) return new RegExp(`\\| ${number} ${escape(entry.unit)}`);
    return new RegExp(`${escape(SYMBOL[entry.comparison])} ${number}`);
  }

  it.each(THRESHOLD_CATALOGUE.map((entry) => [entry.key, entry] as const))("%s: its default value and operator", (_key, entry) => {
    const row = rowOf(entry);
    expect(row, `no table row names ${entry.key}`).toBeDefined();
    expect(row).toMatch(expectedText(entry));
    if (!entry.confirmed && entry.origin === "guideline" && !entry.key.startsWith("caseFinding.sarcCalFCalfComparison")) expect(row).toContain("(unconfirmed)");
    if (entry.origin === "local_setting") expect(row).toMatch(/local setting/);
  });

  it("names every catalogue medicine with its ATC code and RxNorm id, marking the unconfirmed ids", () => {
    for (const entry of MEDICINE_CATALOGUE) {
      expect(reference, entry.id).toContain(entry.atc);
      if (!entry.isClassEntry) expect(reference, entry.id).toContain(entry.genericName);
      if (entry.rxnormIngredient !== null) expect(reference, entry.id).toContain(entry.rxnormConfirmed ? entry.rxnormIngredient : `${entry.rxnormIngredient} (unconfirmed)`);
    }
  });

  it("lists every code the importer and exporter use, confirmed only where the table confirms it", () => {
    for (const mapping of OBSERVATION_CODES) {
      if (mapping.system === LOCAL_SYSTEM) {
        expect(reference, mapping.code).toContain(`\`${mapping.code}\``);
        continue;
      }
      const row = rows.find((r) => r.includes(`| ${mapping.code} |`));
      expect(row, mapping.code).toBeDefined();
      for (const unit of mapping.units) expect(row, `${mapping.code} ${unit}`).toContain(unit);
      expect(row, mapping.code).toMatch(mapping.confirmed ? /\| confirmed \|$/ : /\(unconfirmed/);
    }
    for (const condition of CONDITION_MAPPINGS) expect(reference, condition.code).toContain(condition.code);
    for (const drug of RXNORM_CLINICAL_DRUGS) expect(reference, drug.rxnorm).toContain(drug.rxnorm);
    for (const symptom of B12_SYMPTOM_MAPPINGS) {
      const row = rows.find((r) => r.includes(`| ${symptom.code} |`));
      expect(row, symptom.code).toBeDefined();
      expect(row, symptom.code).toContain(`\`${symptom.symptom}\``);
      expect(row, symptom.code).toMatch(symptom.confirmed ? /\| confirmed \|$/ : /\(code unconfirmed\)/);
    }
    expect(reference).toContain(YUBI_WAKKA_RESULT_SYSTEM);
  });

  it("states the unit conversions the engine uses", () => {
    expect(reference).toContain(`1 lb = ${KG_PER_LB} kg`);
    expect(reference).toContain(`1 pmol/L = ${PG_ML_PER_PMOL_L} pg/mL`);
    expect(reference).toContain("1 µmol/L = 1000 nmol/L");
  });

  it("describes the guideline updates it applies among the applied sections, and keeps what is not applied in its own, marked section", () => {
    const plannedAt = reference.indexOf("## Planned: not yet applied by the engine");
    const planned = reference.slice(plannedAt);
    const applied = reference.slice(0, reference.indexOf("## Open questions"));
    expect(planned).toMatch(/^## Planned: not yet applied by the engine\n\n\*\*Not yet applied by the engine \(planned, see the clinical-currency work\)\.\*\*/);
    for (const topic of ["## AWGS 2025\n", "## GLIS\n", "## Who to test for B12\n", "## Muscle decline\n"]) expect(applied).toContain(topic);
    for (const number of ["< 34.0 kg", "< 0.83", "≥ 10.0 s", "183 days", "≥ 5.0 kg", "≥ 0.1 m/s"]) expect(planned, number).not.toContain(number);
    expect(planned).toContain("### Ethnicity and B12 reference ranges");
    expect(reference.indexOf("AWGS 2025 —")).toBe(-1);
  });

  it("lists the B12 symptom codes, the risk conditions and GLIS as the engine has them", () => {
    for (const code of Object.keys(B12_SYMPTOM_LABELS)) expect(rows.some((r) => r.startsWith(`| \`${code}\` |`)), code).toBe(true);
    for (const condition of ["Sjögren's syndrome", "type 1 diabetes", "a family history of B12 deficiency"]) expect(reference).toContain(condition);
    expect(CONDITION_CODES).toHaveLength(11);
    expect(reference).toContain(GLIS_DEFINITION.citation);
    expect(GLIS_DEFINITION.text).toMatch(/No operational cut-points have been published/);
    expect(THRESHOLD_CATALOGUE.filter((e) => /glis/i.test(e.key))).toEqual([]);
  });
});

describe("the product design states the formats exactly as the code writes and reads them", () => {
  /** The comma-separated names of the first fenced block after `heading`. */
  function columnsAfter(heading: string): string[] {
    const from = design.indexOf(`\n${heading}\n`);
    expect(from, heading).toBeGreaterThan(0);
    const block = /```\n([\s\S]*?)```/.exec(design.slice(from))?.[1] ?? "";
    return block.split(",").map((name) => name.trim()).filter((name) => name !== "");
  }

  it("the assessment spreadsheet's columns, in the template's order", () => {
    expect(columnsAfter("## Assessment spreadsheet (CSV import)")).toEqual([...ASSESSMENT_COLUMNS]);
  });

  it("the AWGS 2025 and NICE spreadsheet columns are described and come after the earlier ones", () => {
    const added = ["yubi_wakka", "b12_symptoms", "medications_stopped", "mma_nmol_l"];
    for (const column of added) expect(design).toContain(`| \`${column}\` |`);
    expect(ASSESSMENT_COLUMNS.slice(-added.length)).toEqual(added);
  });

  it("the cohort export's contract columns, in order, at the head of what the export writes", () => {
    const contract = columnsAfter("## Cohort export (CSV)");
    expect(contract.at(-1)).toBe("rule_set_version");
    expect(EXPORT_COLUMNS.slice(0, contract.length)).toEqual(contract);
    // Beyond the contract, newest last: AWGS 2025 (issue 15), then the flags' states (issue 16).
    expect(EXPORT_COLUMNS.slice(-2)).toEqual(["awgs2025", "flag_states"]);
  });

  it("the engine's vocabulary: every category, tier and flag", () => {
    const row = (field: string) => design.split("\n").find((line) => line.startsWith(`| \`${field}\` |`)) ?? "";
    const values = (line: string) => [...line.split("|")[2]!.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]);
    expect(values(row("ewgsop2"))).toEqual(Object.keys(EWGSOP2_LABELS));
    expect(values(row("awgs2019"))).toEqual(Object.keys(AWGS2019_LABELS));
    expect(values(row("awgs2025"))).toEqual(Object.keys(AWGS2025_LABELS));
    expect(values(row("b12_status"))).toEqual(Object.keys(B12_STATUS_LABELS));
    expect(values(row("tier"))).toEqual(Object.keys(TIER_LABELS));
    for (const flag of FLAG_CODES) expect(row(flag), flag).not.toBe("");
    for (const field of ["awgs2025", ...FLAG_CODES]) expect(row(field), field).not.toContain("**planned**");
    expect(FLAG_CODES as readonly string[]).toContain("muscle_decline");
  });
});
