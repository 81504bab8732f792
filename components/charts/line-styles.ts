import type { CutOffSource } from "@/lib/domain/trends";

/** Each guideline has its own dash pattern, so lines differ without relying on colour. */
export const CUT_OFF_DASH: Record<CutOffSource, string> = {
  ewgsop2: "8 4",
  awgs2019: "2 3",
  sdoc: "12 3 3 3",
  sarcF: "8 4",
  nice: "8 4",
};
