import { FLAG_CODES, TIER_RANK, type FlagCode, type Tier } from "@/lib/domain/types";

const TIERS = Object.keys(TIER_RANK) as Tier[];

export interface FhirExportQuery {
  tiers: Tier[];
  flags: FlagCode[];
}

function listParam<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T[] {
  const values = params.getAll(name).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
  const unknown = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (unknown.length > 0) throw new RangeError(`"${unknown[0]}" is not a ${name}; use ${allowed.join(", ")}.`);
  return values as T[];
}

/**
 * The cohort of GET /api/export/fhir and /api/export/fhir/<type>: `tier` and `flag`, each
 * repeated or comma-separated, as in the CSV export. Unlike the CSV route, an unknown value is an
 * error (RangeError with a sentence to show), so a typo never silently widens the export.
 */
export function parseFhirExportQuery(params: URLSearchParams): FhirExportQuery {
  return { tiers: listParam(params, "tier", TIERS), flags: listParam(params, "flag", FLAG_CODES) };
}

/** The query string that reproduces the cohort ("" for everyone). */
export function fhirExportSearch(query: FhirExportQuery): string {
  const params = new URLSearchParams();
  if (query.tiers.length > 0) params.set("tier", query.tiers.join(","));
  if (query.flags.length > 0) params.set("flag", query.flags.join(","));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}
