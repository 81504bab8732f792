import type { ObservationWindow } from "./observations";
import type { MassMethod, ObservationInput } from "./types";

export interface MuscleMass {
  asm: ObservationInput;
  asmKg: number;
  method: MassMethod | null;
  /** ASM / height² in kg/m²; null when no height is available. */
  asmiKgM2: number | null;
  heightCm: number | null;
}

/**
 * Latest in-window ASM with its index. Height is the latest at or before the ASM measurement
 * (what the scan was interpreted against), else the latest in the window.
 */
export function findMuscleMass(window: ObservationWindow): MuscleMass | null {
  const asm = window.latest("asm");
  if (asm === null || asm.value === null) return null;
  const height = window.latestAtOrBefore("height", asm.observedAt) ?? window.latest("height");
  const heightCm = height?.value ?? null;
  const heightM = heightCm === null ? null : heightCm / 100;
  return {
    asm,
    asmKg: asm.value,
    method: asm.method ?? null,
    asmiKgM2: heightM === null || heightM <= 0 ? null : asm.value / (heightM * heightM),
    heightCm,
  };
}

/** Body-mass index (kg/m²) from weight at or before the ASM scan (else latest), for FNIH ALM/BMI. */
export function bmiNear(window: ObservationWindow, mass: MuscleMass): number | null {
  const weight = window.latestAtOrBefore("weight", mass.asm.observedAt) ?? window.latest("weight");
  if (weight?.value == null || mass.heightCm === null || mass.heightCm <= 0) return null;
  const heightM = mass.heightCm / 100;
  return weight.value / (heightM * heightM);
}
