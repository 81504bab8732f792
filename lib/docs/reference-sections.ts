import type { ThresholdGroup } from "@/lib/domain/thresholds";

/** Where docs/clinical-reference.md explains each group of the Thresholds page (heading ids). */
export const REFERENCE_SECTION: Record<ThresholdGroup, string> = {
  ewgsop2: "ewgsop2",
  awgs_edition: "awgs-2025",
  awgs2019: "awgs-2019",
  awgs2025: "awgs-2025",
  case_finding: "case-finding",
  sdoc: "sdoc-2020",
  fnih: "fnih-2014",
  b12: "serum-and-active-b12-bands",
  b12_second_line: "mma-homocysteine-and-kidney-function",
  b12_testing: "who-to-test-for-b12",
  decline: "muscle-decline",
  screening: "screening-age-and-look-back-window",
  flags: "flag-due-dates",
  flag_lifecycle: "flag-due-dates",
};

/** The app's page for the clinical reference, optionally at one of its sections. */
export function clinicalReferenceHref(section?: string): string {
  return section ? `/thresholds/reference#${section}` : "/thresholds/reference";
}
