import { SOURCES, type ThresholdGroup } from "./thresholds";

/**
 * The sections of the Thresholds page, its edit form and the version comparison, in the order
 * they are shown: one per policy the clinic governs, each with a title and a sentence saying which
 * guideline or local policy it implements (citations from {@link SOURCES}, never retyped).
 */
export interface ThresholdSection {
  group: ThresholdGroup;
  title: string;
  /** Names the section in a link ("Clinical reference: …") and in an audit line. */
  shortName: string;
  /** What the section's values implement, with the citation. */
  implements: string;
}

export const THRESHOLD_SECTIONS: readonly ThresholdSection[] = [
  {
    group: "screening",
    title: "Screening age and look-back window",
    shortName: "screening",
    implements: `Who is screened and which results count. ${SOURCES.screeningAge}. ${SOURCES.lookBack}.`,
  },
  {
    group: "ewgsop2",
    title: "EWGSOP2 (European Working Group on Sarcopenia in Older People, 2019)",
    shortName: "EWGSOP2",
    implements: `The EWGSOP2 cut-offs for low strength, low muscle quantity and low physical performance: ${SOURCES.ewgsop2}.`,
  },
  {
    group: "awgs_edition",
    title: "AWGS edition in force for tiers and flags",
    shortName: "AWGS edition",
    implements: `Which Asian Working Group for Sarcopenia edition drives tiers and flags; both are computed for every patient and shown side by side. ${SOURCES.awgsEdition}.`,
  },
  {
    group: "awgs2019",
    title: "AWGS 2019 (Asian Working Group for Sarcopenia, 2019)",
    shortName: "AWGS 2019",
    implements: `The AWGS 2019 cut-offs for low strength, low physical performance and low muscle mass by DXA or BIA: ${SOURCES.awgs2019}.`,
  },
  {
    group: "awgs2025",
    title: "AWGS 2025 (Asian Working Group for Sarcopenia, 2025 update)",
    shortName: "AWGS 2025",
    implements: `The AWGS 2025 cut-offs by age band (50–64, 65 and over): grip, muscle mass by ASM/height² or ASM/BMI (DXA or BIA), the outcomes shown beside the category, and the "at risk" conditions: ${SOURCES.awgs2025}. It supersedes AWGS 2019.`,
  },
  {
    group: "case_finding",
    title: "Case finding: SARC-F, SARC-CalF, calf circumference",
    shortName: "case finding",
    implements: `Case finding as AWGS 2019 uses it: ${SOURCES.sarcF}; ${SOURCES.sarcCalF}.`,
  },
  {
    group: "sdoc",
    title: "SDOC 2020 (shown beside the main definitions)",
    shortName: "SDOC 2020",
    implements: `The Sarcopenia Definitions and Outcomes Consortium's cut-points: ${SOURCES.sdoc}.`,
  },
  {
    group: "fnih",
    title: "FNIH 2014 (shown beside the main definitions)",
    shortName: "FNIH 2014",
    implements: `The FNIH Sarcopenia Project's cut-points: ${SOURCES.fnih}.`,
  },
  {
    group: "b12_testing",
    title: "Who to test for B12 (NICE NG239 and the clinic's case-finding policy)",
    shortName: "who to test for B12",
    implements: `NICE NG239 offers a B12 test for a symptom or sign together with a risk factor; the clinic may also test on a risk factor alone (${SOURCES.b12CaseFinding}). Re-test interval: ${SOURCES.b12Retest}. Acid suppressants: ${SOURCES.acidSuppressant}.`,
  },
  {
    group: "b12",
    title: "Vitamin B12 status: serum and active B12 bands (NICE NG239)",
    shortName: "vitamin B12 status",
    implements: `The bands that make a serum or active B12 result deficient, indeterminate or adequate: ${SOURCES.nice}.`,
  },
  {
    group: "b12_second_line",
    title: "MMA, homocysteine and kidney function (second-line B12 tests)",
    shortName: "MMA, homocysteine and kidney function",
    implements: `The clinic's MMA policy and the supporting tests: ${SOURCES.mma}. ${SOURCES.homocysteine}. ${SOURCES.renal}.`,
  },
  {
    group: "decline",
    title: "Muscle decline over time (muscle_decline)",
    shortName: "muscle decline",
    implements: `A fall in grip or gait speed between two results: ${SOURCES.gripDecline}; ${SOURCES.gaitDecline}. ${SOURCES.declineWindow}.`,
  },
  {
    group: "flags",
    title: "Flag due dates",
    shortName: "flag due dates",
    implements: `${SOURCES.flagDue}.`,
  },
  {
    group: "flag_lifecycle",
    title: "Flag lifecycle windows (due soon, awaiting a result, return after a close)",
    shortName: "flag lifecycle",
    implements: `${SOURCES.flagLifecycle}: when a flag is due soon, how long an ordered test's result is awaited before the flag is overdue again, and when a flag a person closed may return.`,
  },
];

const BY_GROUP = new Map(THRESHOLD_SECTIONS.map((section) => [section.group, section]));

/** The section of a group (every group has one: tests/unit/threshold-governance.test.ts). */
export function thresholdSection(group: ThresholdGroup): ThresholdSection {
  const section = BY_GROUP.get(group);
  if (!section) throw new Error(`Threshold group ${group} has no section.`);
  return section;
}
