import { z } from "zod";
import { FLAG_CODES } from "@/lib/domain/types";
import { OPEN_FLAG_STATES, OUTREACH_STATUSES } from "@/lib/domain/flag-lifecycle";
import { ownValue } from "@/lib/domain/own-keys";
import { COHORT_MATCHES, MEDICATION_CLASS_FILTERS, cohortCriterionSchema, cohortParams, parseCohortRows, readCohortRows, type CohortIssue } from "./cohort";

export { MEDICATION_CLASS_FILTERS };

/**
 * The patient panel's URL state (?q=&sex=&sort=…), so any view can be bookmarked. A value that
 * does not parse falls back to its default instead of failing the page: an old bookmark still opens.
 * The cohort builder's criteria rows (`c1.field=…`, lib/validation/cohort.ts) are the exception:
 * a bad row is reported with what to fix (parsePanelParams), never guessed or silently dropped.
 */
export const PANEL_SORTS = ["tier", "name", "age", "last_assessed", "next_due"] as const;
export type PanelSort = (typeof PANEL_SORTS)[number];
export const PAGE_SIZES = [25, 50, 100] as const;

/** An empty form field (`?ageMax=`) means "no filter", not zero. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional()).catch(undefined);

export const panelQuerySchema = z.object({
  q: optional(z.string().trim().min(1).max(100)),
  sex: optional(z.enum(["female", "male", "unknown"])),
  ageMin: optional(z.coerce.number().int().min(0).max(130)),
  ageMax: optional(z.coerce.number().int().min(0).max(130)),
  diet: optional(z.enum(["omnivore", "vegetarian", "vegan", "not_recorded"])),
  med: optional(z.enum(MEDICATION_CLASS_FILTERS)),
  clinician: optional(z.string().trim().min(1).max(64)),
  mine: optional(z.literal("1")),
  tier: optional(z.enum(["high", "elevated", "low", "unassessed"])),
  ewgsop2: optional(z.enum(["none", "probable", "confirmed", "severe", "insufficient_data"])),
  awgs: optional(z.enum(["none", "possible", "sarcopenia", "severe", "insufficient_data"])),
  b12: optional(z.enum(["deficient", "indeterminate", "adequate", "not_tested"])),
  flag: optional(z.enum(FLAG_CODES)),
  /** Patients with an open flag in this outreach state (with `flag`: that flag). */
  outreach: optional(z.enum(OUTREACH_STATUSES)),
  /** Patients with an open flag whose latest outreach attempt planned the next one for today or earlier (with `flag`: that flag). */
  outreachDue: optional(z.literal("1")),
  /** Patients with an open flag past its due date (with `flag`: that flag); the same as `state=overdue`, kept for bookmarks. */
  overdue: optional(z.literal("1")),
  /** Patients with an open flag in this state (docs/design.md#flag-lifecycle; with `flag`: that flag). */
  state: optional(z.enum(OPEN_FLAG_STATES)),
  /** Criteria rows combined with AND (`all`) or OR (`any`); the single filters above always apply. */
  match: z.enum(COHORT_MATCHES).catch("all").default("all"),
  criteria: z.array(cohortCriterionSchema).max(20).catch([]).default([]),
  /** The saved view this query was opened from, so the page can offer to update it. */
  view: optional(z.string().trim().min(1).max(64)),
  sort: z.enum(PANEL_SORTS).catch("tier").default("tier"),
  dir: z.enum(["asc", "desc"]).catch("asc").default("asc"),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
  size: z.coerce.number().pipe(z.union(PAGE_SIZES.map((n) => z.literal(n)))).catch(25).default(25),
});

export type PanelQuery = z.infer<typeof panelQuerySchema>;

/** True when the raw params carry empty or unknown-valued fields that the canonical URL drops. */
export function isCanonicalPanelUrl(params: Record<string, string | string[] | undefined>, query: PanelQuery): boolean {
  const raw = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) raw.set(key, Array.isArray(value) ? value[0] ?? "" : value);
  raw.sort();
  const canonical = new URLSearchParams(panelQueryString(query));
  canonical.sort();
  return raw.toString() === canonical.toString();
}

/** URLSearchParams-like input (Next's searchParams object) → a valid query; bad criteria rows are left out (see parsePanelParams). */
export function parsePanelQuery(params: Record<string, string | string[] | undefined>): PanelQuery {
  return parsePanelParams(params).query;
}

/** The query plus one sentence per criteria row that could not be used, for the page and the API to show. */
export function parsePanelParams(params: Record<string, string | string[] | undefined>): { query: PanelQuery; issues: CohortIssue[] } {
  const flat = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
  delete flat.criteria;
  const { criteria, issues } = parseCohortRows(readCohortRows(params));
  return { query: panelQuerySchema.parse({ ...flat, criteria }), issues };
}

type QueryChanges = Partial<Record<Exclude<keyof PanelQuery, "criteria">, string | number | undefined>>;

/** The query back as a URL search string, dropping defaults, with `changes` applied; criteria rows last. */
export function panelQueryString(query: PanelQuery, changes: QueryChanges = {}): string {
  const { criteria, ...rest } = query;
  const merged: Record<string, string | number | undefined> = { ...rest, ...changes };
  const defaults: Record<string, string | number> = { sort: "tier", dir: "asc", page: 1, size: 25, match: "all" };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === "" || ownValue(defaults, key) === value || typeof value === "object") continue;
    params.set(key, String(value));
  }
  if (criteria.length === 0) params.delete("match");
  for (const [key, value] of cohortParams(criteria)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The query a saved view keeps: everything that selects and orders the cohort, not the page or the view itself. */
export function savedViewQueryString(query: PanelQuery): string {
  return panelQueryString(query, { page: undefined, view: undefined });
}

/** The single filters of the panel (everything but the search, the cohort rows, the order and the page). */
const FILTER_KEYS = ["sex", "ageMin", "ageMax", "diet", "med", "clinician", "mine", "tier", "flag", "outreach", "outreachDue", "overdue", "state", "ewgsop2", "awgs", "b12"] as const satisfies readonly (keyof PanelQuery)[];

/**
 * How many filters and cohort criteria narrow the panel beyond the search box: the number the
 * panel's "Filters" disclosure shows while it is closed, so a narrowed list never looks like the
 * whole clinic.
 */
export function activeFilterCount(query: PanelQuery): number {
  return FILTER_KEYS.filter((key) => query[key] !== undefined).length + query.criteria.length;
}
