import type { ThresholdGroup } from "@/lib/domain/thresholds";

/** Where docs/clinical-reference.md explains each group of the Thresholds page (heading ids). */
export const REFERENCE_SECTION: Record<ThresholdGroup, string> = {
  ewgsop2: "ewgsop2",
  awgs2019: "awgs-2019",
  case_finding: "case-finding",
  sdoc: "sdoc-2020",
  fnih: "fnih-2014",
  b12: "vitamin-b12-status",
  screening: "screening-age-and-look-back-window",
  flags: "flag-due-dates",
};

/** The app's page for the clinical reference, optionally at one of its sections. */
export function clinicalReferenceHref(section?: string): string {
  return section ? `/thresholds/reference#${section}` : "/thresholds/reference";
}
