import { z } from "zod";
import { MEASURE_LABELS, UNABLE_IS_RESULT } from "@/lib/domain/measures";
import { MEASURE_KINDS, type MassMethod, type MeasureKind, type ObservationInput } from "@/lib/domain/types";
import { normaliseUnit, toCanonical, UNITS_BY_KIND } from "@/lib/domain/units";
import { parseDateCell, parseDecimal, type Parsed } from "./numbers";
import { checkPlausibility, displayUnit } from "@/lib/domain/plausibility";

export const UNABLE = "unable";

/**
 * Builds an observation from a value as entered (string or number, or "unable" where that is a
 * result) and its unit: parses strictly, converts to the canonical unit, and applies the
 * plausibility limits to the canonical value. The entered value and unit are kept as
 * `reportedValue`/`reportedUnit` (B12 is compared in the unit the lab reported).
 *
 * An import calls this for every result cell, so the result is one object literal, not spreads:
 * with spreads (`{ ...base, value }`) 130,000 calls took 0.7 s on Node 20, without them 0.02 s,
 * and reading a 30,000-row file 1.4 s against 0.7 s (docs/benchmarks.md, tenth session).
 */
export function buildObservation(input: {
  kind: MeasureKind;
  value: string | number;
  unit: string;
  observedAt: Date;
  method?: MassMethod | null;
}): Parsed<ObservationInput> {
  const { kind } = input;
  const label = MEASURE_LABELS[kind];
  const text = typeof input.value === "number" ? String(input.value) : input.value.trim();
  if (text.toLowerCase() === UNABLE) {
    if (!UNABLE_IS_RESULT[kind]) {
      return { ok: false, message: `${label} cannot be recorded as "unable"; leave it empty if not measured.` };
    }
    return { ok: true, value: withMethod({ kind, observedAt: input.observedAt, value: null, isUnable: true, reportedValue: UNABLE }, input.method) };
  }
  const unit = normaliseUnit(kind, input.unit);
  if (unit === null) {
    return {
      ok: false,
      message: `"${input.unit}" is not an accepted unit for ${label.toLowerCase()}; use ${UNITS_BY_KIND[kind].map(displayUnit).join(", ")}.`,
    };
  }
  if (text === "") return { ok: false, message: `${label} needs a value.` };
  const parsed = typeof input.value === "number" && !Number.isFinite(input.value)
    ? { ok: false as const, message: `${label} "${text}" is not a number.` }
    : parseDecimal(text, label);
  if (!parsed.ok) return parsed;
  if (unit === "s/4m" && parsed.value <= 0) {
    return { ok: false, message: `${label}: a 4 m walk time must be more than 0 seconds.` };
  }
  const canonical = toCanonical(kind, parsed.value, unit);
  const problem = checkPlausibility(kind, canonical, { value: parsed.value, unit });
  if (problem !== null) return { ok: false, message: problem };
  return {
    ok: true,
    value: withMethod({ kind, observedAt: input.observedAt, value: canonical, isUnable: false, reportedValue: text, reportedUnit: unit }, input.method),
  };
}

/** The observation with its method (DXA/BIA), when one was given; without the key otherwise. */
function withMethod(observation: ObservationInput, method: MassMethod | null | undefined): ObservationInput {
  if (method) observation.method = method;
  return observation;
}

const dateInput = z.union([z.date(), z.string()]).transform((value, ctx) => {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      ctx.addIssue({ code: "custom", message: "Enter a valid date." });
      return z.NEVER;
    }
    return value;
  }
  const trimmed = value.trim();
  if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    const day = parseDateCell(trimmed.slice(0, 10), "Date");
    const instant = new Date(trimmed);
    if (!day.ok || Number.isNaN(instant.getTime())) {
      ctx.addIssue({ code: "custom", message: `"${trimmed}" is not a valid date and time.` });
      return z.NEVER;
    }
    return instant;
  }
  const day = parseDateCell(trimmed, "Date");
  if (!day.ok) {
    ctx.addIssue({ code: "custom", message: day.message });
    return z.NEVER;
  }
  return day.value;
});

/**
 * One measurement entry from a form (FormData strings) or the API. `value` may be a number or a
 * string (parsed strictly rather than by `Number()`, so "12,5" and "1e309" are rejected with a
 * reason); "unable" only where that is a result. Output is a domain `ObservationInput`.
 */
export const measurementSchema = z
  .object({
    kind: z.enum(MEASURE_KINDS, { error: "Choose a measurement type." }),
    value: z.union([z.number(), z.string()], { error: "Enter a value." }),
    unit: z.string({ error: "Choose a unit." }).trim().min(1, { error: "Choose a unit." }),
    observedAt: dateInput,
    method: z
      .union([z.enum(["dxa", "bia"], { error: "The method must be DXA or BIA." }), z.literal("")])
      .nullish()
      .transform((m): MassMethod | null => (m === "dxa" || m === "bia" ? m : null)),
  })
  .transform((entry, ctx): ObservationInput => {
    if (entry.method !== null && entry.kind !== "asm") {
      ctx.addIssue({ code: "custom", path: ["method"], message: "A measurement method (DXA/BIA) applies to muscle mass only." });
      return z.NEVER;
    }
    const built = buildObservation(entry);
    if (!built.ok) {
      ctx.addIssue({ code: "custom", path: ["value"], message: built.message });
      return z.NEVER;
    }
    return built.value;
  });

export type MeasurementInput = z.input<typeof measurementSchema>;
