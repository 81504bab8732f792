import { describe, expect, it } from "vitest";
import { FLAG_CODES, type FlagCode, type FlagResult, type PatientHistory } from "@/lib/domain/types";
import { day, evaluate, history, med, obs, TALL_HEIGHT } from "./helpers";

/** Histories that between them raise every flag. */
const RAISING: Record<FlagCode, PatientHistory> = {
  b12_test_due: history(),
  b12_confirm_due: history({ observations: [obs("b12_total", 200)] }),
  b12_follow_up: history({ observations: [obs("b12_total", 100)] }),
  muscle_mass_due: history({ observations: [obs("grip_strength", 10)] }),
  performance_due: history({ observations: [obs("grip_strength", 10), obs("asm", 10)] }),
  sarcopenia_follow_up: history({ observations: [obs("grip_strength", 10), obs("asm", 10, undefined, { method: "dxa" }), TALL_HEIGHT] }),
  reassessment_due: history(),
  medication_review: history({ observations: [obs("grip_strength", 15)], medications: [med("prednisolone")] }),
  muscle_decline: history({ observations: [obs("grip_strength", 30, day("2026-01-01")), obs("grip_strength", 24, day("2026-11-01"))] }),
};

function raised(code: FlagCode): FlagResult {
  const flag = evaluate(RAISING[code]).flags.find((f) => f.code === code);
  if (!flag) throw new Error(`${code} not raised`);
  return flag;
}

describe("every flag cites its source and names the finding behind it", () => {
  it.each(FLAG_CODES.map((code) => [code] as const))("%s", (code) => {
    const flag = raised(code);
    expect(flag.source.length).toBeGreaterThan(20);
    expect(flag.basis.length).toBeGreaterThan(10);
    expect(flag.reasons.at(-1)).toEqual({
      code: `flag.${code}.basis`,
      text: `Basis: ${flag.basis} (${flag.source})`,
      inputs: { basis: flag.basis, source: flag.source },
    });
    for (const reason of flag.reasons) {
      expect(reason.text).not.toMatch(/undefined|NaN|\[object/);
      expect(reason.text.length).toBeGreaterThan(10);
    }
  });

  it.each<[FlagCode, RegExp]>([
    ["b12_test_due", /^Local case-finding policy, beyond NICE NG239/],
    ["b12_confirm_due", /NICE NG239.*BSH 2014/],
    ["b12_follow_up", /^NICE NG239/],
    ["muscle_mass_due", /^EWGSOP2, Cruz-Jentoft et al\./],
    ["performance_due", /^EWGSOP2, Cruz-Jentoft et al\./],
    ["sarcopenia_follow_up", /^EWGSOP2, Cruz-Jentoft et al\..*; AWGS 2019, Chen et al\./],
    ["reassessment_due", /^Local screening default/],
    ["medication_review", /^STOPPFall, Seppala et al\., Age Ageing 2021/],
    ["muscle_decline", /^Bohannon RW, J Geriatr Phys Ther 2019/],
  ])("%s cites %s", (code, source) => {
    expect(raised(code).source).toMatch(source);
  });

  it("names the finding and the value behind the sarcopenia flags", () => {
    expect(raised("muscle_mass_due").basis).toBe("EWGSOP2 probable sarcopenia (Grip 10 kg < 16 kg (EWGSOP2, Table 3) → low strength, on 2026-10-01)");
    expect(raised("performance_due").basis).toBe(
      "EWGSOP2 confirmed sarcopenia (Grip 10 kg < 16 kg (EWGSOP2, Table 3) → low strength, on 2026-10-01; ASM 10 kg < 15 kg (EWGSOP2, Table 3) → low muscle quantity, on 2026-10-01)",
    );
    expect(raised("b12_follow_up").basis).toBe("B12 deficient by the result of 2026-10-01, no B12 replacement current");
  });

  it("medication_review and the sarcopenia-finding risk factor say which finding and which value", () => {
    const finding = "EWGSOP2 probable sarcopenia (Grip 15 kg < 16 kg (EWGSOP2, Table 3) → low strength, on 2026-10-01); AWGS 2019 possible sarcopenia (Grip 15 kg < 18 kg (AWGS 2019) → low strength, on 2026-10-01)";
    const review = raised("medication_review");
    expect(review.reasons.find((r) => r.code === "flag.medication_review.finding")?.text).toBe(`Sarcopenia finding: ${finding}`);
    expect(review.basis).toBe(`prednisolone with ${finding}`);
    const risk = evaluate(RAISING.medication_review).riskFactors.reasons.find((r) => r.code === "risk.sarcopenia");
    expect(risk?.text).toBe(`Sarcopenia finding: ${finding} → B12 risk factor (local)`);
  });

  it("an AWGS-only finding is named as such, with the mass value", () => {
    const e = evaluate(history({ observations: [obs("grip_strength", 17), obs("asm", 20, undefined, { method: "dxa" }), TALL_HEIGHT] }));
    const follow = e.flags.find((f) => f.code === "sarcopenia_follow_up");
    expect(follow?.basis).toBe(
      "AWGS 2019 sarcopenia (Grip 17 kg < 18 kg (AWGS 2019) → low strength, on 2026-10-01; ASM/height² (DXA) 5 kg/m² < 5.4 kg/m² (AWGS 2019) → low muscle mass, on 2026-10-01)",
    );
  });

  it("reassessment_due says the screening age is a local setting", () => {
    expect(raised("reassessment_due").reasons[0]?.text).toBe("Age 78 ≥ 65 years (local screening age)");
  });
});
