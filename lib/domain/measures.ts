import type { MeasureKind } from "./types";

/** Short clinical names used in reason sentences and validation messages. */
export const MEASURE_LABELS: Record<MeasureKind, string> = {
  grip_strength: "Grip strength",
  gait_speed: "Gait speed",
  chair_stand_5x: "Chair stand (5 rises)",
  sppb: "SPPB score",
  tug: "Timed up-and-go",
  walk_400m: "400 m walk",
  asm: "Appendicular skeletal muscle mass",
  height: "Height",
  weight: "Weight",
  calf_circumference: "Calf circumference",
  sarc_f: "SARC-F score",
  b12_total: "Serum total B12",
  holotc: "Active B12 (holotranscobalamin)",
  mma: "Methylmalonic acid",
  homocysteine: "Homocysteine",
  egfr: "eGFR",
};

/**
 * Whether "unable to complete" is a result in its own right. EWGSOP2 (Table 3) counts a chair
 * stand the patient cannot complete as low strength/performance and a 400 m walk not completed
 * as low performance; for every other kind "unable" carries no value and is ignored.
 */
export const UNABLE_IS_RESULT: Record<MeasureKind, boolean> = {
  grip_strength: false,
  gait_speed: false,
  chair_stand_5x: true,
  sppb: false,
  tug: false,
  walk_400m: true,
  asm: false,
  height: false,
  weight: false,
  calf_circumference: false,
  sarc_f: false,
  b12_total: false,
  holotc: false,
  mma: false,
  homocysteine: false,
  egfr: false,
};
