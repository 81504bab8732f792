import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEIDENTIFIED_COLUMNS, DEIDENTIFIED_SUPPRESSION_ORDER, toDeidentifiedRow, type DeidentifiedInput } from "@/lib/domain/deidentified-row";
import { kAnonymise, SUPPRESSED_CELL } from "@/lib/domain/k-anonymity";
import { gaitSpeedBand, GAIT_SPEED_BANDS, gripBand, serumB12Band, SERUM_B12_BANDS } from "@/lib/domain/measure-bands";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";

const NOW = new Date("2026-11-21T00:00:00Z");
const RECENT = new Date("2026-10-01T00:00:00Z");

describe("measure bands for the de-identified export", () => {
  it("bands grip strength at the EWGSOP2 cut-off for each sex", () => {
    expect([26.9, 27, 40].map((kg) => gripBand(kg, RECENT, "male", NOW))).toEqual(["low", "normal", "normal"]);
    expect([15.9, 16].map((kg) => gripBand(kg, RECENT, "female", NOW))).toEqual(["low", "normal"]);
    expect(gripBand(10, RECENT, "unknown", NOW)).toBeNull();
  });

  it("bands gait speed at ≤ 0.8 (EWGSOP2) and < 1.0 m/s (AWGS 2019)", () => {
    expect([0.5, 0.8, 0.81, 0.99, 1.0, 1.4].map((v) => gaitSpeedBand(v, RECENT, NOW))).toEqual(["<=0.8", "<=0.8", "0.8-1.0", "0.8-1.0", ">=1.0", ">=1.0"]);
  });

  it("bands serum B12 by the NICE edges in pmol/L", () => {
    expect([100, 132.9, 133, 258, 258.1].map((v) => serumB12Band(v, RECENT, NOW))).toEqual(["<133", "<133", "133-258", "133-258", ">258"]);
  });

  it("names its bands after the guideline values it uses", () => {
    const t = DEFAULT_THRESHOLDS;
    expect(GAIT_SPEED_BANDS).toEqual([`<=${t.ewgsop2.gaitSpeedMS}`, `${t.ewgsop2.gaitSpeedMS}-${t.awgs2019.gaitSpeedMS.toFixed(1)}`, `>=${t.awgs2019.gaitSpeedMS.toFixed(1)}`]);
    expect(SERUM_B12_BANDS).toEqual([`<${t.b12.serumDeficientBelow.pmolL}`, `${t.b12.serumDeficientBelow.pmolL}-${t.b12.serumAdequateAbove.pmolL}`, `>${t.b12.serumAdequateAbove.pmolL}`]);
  });

  it("leaves out a result older than the 12-month look-back, or after the export", () => {
    expect(gaitSpeedBand(0.6, new Date("2025-11-21T00:00:00Z"), NOW)).toBe("<=0.8");
    expect(gaitSpeedBand(0.6, new Date("2025-11-20T00:00:00Z"), NOW)).toBeNull();
    expect(serumB12Band(100, new Date("2026-11-22T00:00:00Z"), NOW)).toBeNull();
    expect(gripBand(null, null, "male", NOW)).toBeNull();
  });

  it("writes the bands as the last three columns of a row, after the documented ones", () => {
    const patient: DeidentifiedInput = {
      pseudonym: "P1", birthDate: new Date("1948-03-02T00:00:00Z"), sex: "male", medicationClasses: ";metformin;statin;",
      latestGripKg: 24, latestGripAt: RECENT, latestGaitMs: 0.9, latestGaitAt: RECENT, latestB12Pmol: 140, latestB12At: RECENT,
      snapshot: { tier: "high", ewgsop2: "probable", awgs2019: "possible", b12Status: "indeterminate", b12OnTreatment: false, flagCodes: ";b12_confirm_due;" },
    };
    expect(DEIDENTIFIED_COLUMNS.slice(-3)).toEqual(["grip_strength_band", "gait_speed_band", "serum_b12_band"]);
    expect(toDeidentifiedRow(patient, NOW)).toEqual(["P1", "70-79", "male", "high", "probable", "possible", "indeterminate", "false", "b12_confirm_due", "metformin", "low", "0.8-1.0", "133-258"]);
  });

  it("never gives up age band, sex or tier", () => {
    for (const column of ["pseudonym", "age_band", "sex", "tier"]) expect(DEIDENTIFIED_SUPPRESSION_ORDER as readonly string[]).not.toContain(column);
  });
});

/** Prefixes of an order: the patterns the export uses. */
const prefixes = (order: number[]) => order.map((_, i) => order.slice(0, i + 1));

describe("k-anonymity by local suppression", () => {
  it("keeps patients whose only rare cell is their list, with the list withheld", () => {
    // Five patients alike but for five different lists: withholding whole rows would keep none.
    const rows = ["a", "b", "c", "d", "e"].map((list) => ["70-79", "female", list]);
    const result = kAnonymise(rows, 5, prefixes([2]));
    expect(result.rows).toEqual(rows.map(() => ["70-79", "female", SUPPRESSED_CELL]));
    expect(result).toMatchObject({ withheld: 0, publishedBySteps: [0, 5] });
  });

  it("publishes common combinations whole and withholds a row rare even without its list", () => {
    const rows = [...Array.from({ length: 5 }, () => ["70-79", "female", "a"]), ["90+", "male", "b"]];
    const result = kAnonymise(rows, 5, prefixes([2]));
    expect(result.rows.slice(0, 5)).toEqual(rows.slice(0, 5));
    expect(result.rows[5]).toBeNull();
    expect(result.withheld).toBe(1);
  });

  it("publishes only combinations shared by k rows, each a row with some cells withheld (random files)", () => {
    const cell = fc.constantFrom("x", "y", "z", "");
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell, cell, cell), { maxLength: 60 }), fc.integer({ min: 2, max: 5 }), (rows, k) => {
        const order = [3, 1, 2];
        const result = kAnonymise(rows, k, prefixes(order));
        const published = result.rows.filter((r) => r !== null);
        const sharing = new Map<string, number>();
        for (const r of published) sharing.set(JSON.stringify(r), (sharing.get(JSON.stringify(r)) ?? 0) + 1);
        for (const n of sharing.values()) expect(n).toBeGreaterThanOrEqual(k);
        result.rows.forEach((r, i) => {
          if (r === null) return;
          const lost = r.map((c, column) => (c === SUPPRESSED_CELL ? column : -1)).filter((column) => column >= 0);
          expect(prefixes(order).map((p) => JSON.stringify([...p].sort())).concat("[]")).toContain(JSON.stringify(lost.sort()));
          r.forEach((c, column) => c !== SUPPRESSED_CELL && expect(c).toBe(rows[i]![column]));
        });
        expect(published.length + result.withheld).toBe(rows.length);
        // Withheld rows are rare even with every suppressible cell withheld.
        const last = (r: readonly string[]) => JSON.stringify(r.map((c, column) => (order.includes(column) ? SUPPRESSED_CELL : c)));
        const withheld = rows.filter((_, i) => result.rows[i] === null);
        const lastGroups = new Map<string, number>();
        for (const r of withheld) lastGroups.set(last(r), (lastGroups.get(last(r)) ?? 0) + 1);
        for (const n of lastGroups.values()) expect(n).toBeLessThan(k);
      }),
      { numRuns: 300 },
    );
  });
});
