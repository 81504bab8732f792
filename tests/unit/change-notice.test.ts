import { describe, expect, it } from "vitest";
import { assessmentNoticeQuery, describeAssessmentNotice, isNoticeCurrent, parseAssessmentNotice, type AssessmentNotice } from "@/lib/validation/change-notice";

const raised: AssessmentNotice = { tierBefore: "low", tierAfter: "high", flagsOpened: ["b12_follow_up", "sarcopenia_follow_up"], flagsClosed: ["reassessment_due"] };

describe("the notice a saved assessment carries to the patient page", () => {
  it("goes through the URL and back unchanged", () => {
    const query = assessmentNoticeQuery(raised);
    expect(query).toBe("saved=assessment&tier=low.high&opened=b12_follow_up.sarcopenia_follow_up&closed=reassessment_due");
    expect(parseAssessmentNotice(Object.fromEntries(new URLSearchParams(query)))).toEqual(raised);
  });

  it("says the tier before → after and names the flags opened and closed", () => {
    expect(describeAssessmentNotice(raised)).toEqual([
      "Assessment saved.",
      "Tier Low → High.",
      "Flags opened: B12 deficiency follow-up, Sarcopenia follow-up.",
      "Flags closed: Strength reassessment due.",
    ]);
    const first: AssessmentNotice = { tierBefore: null, tierAfter: "low", flagsOpened: [], flagsClosed: [] };
    expect(parseAssessmentNotice(Object.fromEntries(new URLSearchParams(assessmentNoticeQuery(first))))).toEqual(first);
    expect(describeAssessmentNotice(first).slice(1)).toEqual(["Tier not evaluated → Low.", "Flags opened: none.", "Flags closed: none."]);
    expect(describeAssessmentNotice({ ...first, tierBefore: "low" })[1]).toBe("Tier unchanged: Low.");
  });

  it("is no notice at all for anything outside the engine's vocabulary", () => {
    expect(parseAssessmentNotice({})).toBeNull();
    expect(parseAssessmentNotice({ saved: "assessment" })).toBeNull();
    expect(parseAssessmentNotice({ saved: "assessment", tier: "low.critical" })).toBeNull();
    expect(parseAssessmentNotice({ saved: "assessment", tier: "low" })).toBeNull();
    expect(parseAssessmentNotice({ saved: "assessment", tier: "low.high", opened: "b12_follow_up.<script>" })).toBeNull();
    expect(parseAssessmentNotice({ saved: "something", tier: "low.high" })).toBeNull();
    expect(parseAssessmentNotice({ saved: "assessment", tier: "__proto__.high" })).toBeNull();
  });

  it("is shown only while the record still says what it became", () => {
    expect(isNoticeCurrent(raised, { tier: "high", openFlags: ["b12_follow_up", "sarcopenia_follow_up"] })).toBe(true);
    expect(isNoticeCurrent(raised, { tier: "elevated", openFlags: ["b12_follow_up", "sarcopenia_follow_up"] })).toBe(false);
    expect(isNoticeCurrent(raised, { tier: "high", openFlags: ["b12_follow_up"] })).toBe(false);
    expect(isNoticeCurrent(raised, { tier: "high", openFlags: ["b12_follow_up", "sarcopenia_follow_up", "reassessment_due"] })).toBe(false);
  });

  it("names what was saved: a registered patient or edited details, carried through the URL", () => {
    for (const saved of ["patient", "details"] as const) {
      const notice: AssessmentNotice = { saved, tierBefore: saved === "patient" ? null : "low", tierAfter: "elevated", flagsOpened: ["b12_test_due"], flagsClosed: [] };
      const query = assessmentNoticeQuery(notice);
      expect(query).toContain(`saved=${saved}`);
      expect(parseAssessmentNotice(Object.fromEntries(new URLSearchParams(query)))).toEqual(notice);
    }
    expect(describeAssessmentNotice({ saved: "patient", tierBefore: null, tierAfter: "low", flagsOpened: [], flagsClosed: [] })[0]).toBe("Patient registered.");
    expect(describeAssessmentNotice({ saved: "details", tierBefore: "low", tierAfter: "low", flagsOpened: [], flagsClosed: ["b12_test_due"] })[0]).toBe("Details saved.");
  });
});
