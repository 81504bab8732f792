import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { isCanonicalPanelUrl, panelQueryString, parsePanelParams, savedViewQueryString } from "@/lib/validation/panel-query";
import { MAX_CRITERIA, describeCriterion, withoutCohortRow } from "@/lib/validation/cohort";
import { describeCutOff, resolveCutOff } from "@/lib/domain/cohort-cut-offs";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/thresholds";

const fromSearch = (search: string) => Object.fromEntries(new URLSearchParams(search));
const parse = (search: string) => parsePanelParams(fromSearch(search));

describe("cohort criteria in the panel URL", () => {
  it("round-trips: query → canonical URL → the same query, and that URL is canonical", () => {
    const search = "?sex=female&match=any&c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=6&c2.field=medicine&c2.op=taking&c2.value=metformin&c3.field=age&c3.op=gte&c3.value=80";
    const { query, issues } = parse(search);
    expect(issues).toEqual([]);
    expect(query.match).toBe("any");
    expect(query.criteria).toEqual([
      { field: "grip_strength", op: "low_ewgsop2", within: 6 },
      { field: "medicine", op: "taking", value: "metformin" },
      { field: "age", op: "gte", value: "80" },
    ]);
    const url = panelQueryString(query);
    expect(parse(url).query).toEqual(query);
    expect(isCanonicalPanelUrl(fromSearch(url), query)).toBe(true);
    expect(url).toContain("c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=6");
  });

  it("canonicalises: rows renumbered from 1 in order, blank rows dropped, numbers normalised, match=all left out", () => {
    const { query, issues } = parse("?match=all&c7.field=b12_total&c7.op=lt&c7.value=0133.0&c3.field=diet&c3.op=is&c3.value=vegan&c9.field=&c9.op=&c9.value=");
    expect(issues).toEqual([]);
    expect(panelQueryString(query)).toBe("?c1.field=diet&c1.op=is&c1.value=vegan&c2.field=b12_total&c2.op=lt&c2.value=133");
    expect(isCanonicalPanelUrl(fromSearch("?match=all&c7.field=b12_total&c7.op=lt&c7.value=0133.0&c3.field=diet&c3.op=is&c3.value=vegan"), query)).toBe(false);
  });

  it("drops `match` when there are no criteria, and a saved view keeps neither the page nor the view id", () => {
    expect(panelQueryString(parse("?match=any&sex=male").query)).toBe("?sex=male");
    expect(savedViewQueryString(parse("?sex=male&page=3&view=abc&c1.field=sex&c1.op=is&c1.value=male").query)).toBe("?sex=male&c1.field=sex&c1.op=is&c1.value=male");
  });

  it.each([
    ["?c1.field=shoe_size&c1.op=lt&c1.value=9", /Criterion 1: “shoe_size” is not a field/],
    ["?c1.field=grip_strength&c1.op=is&c1.value=9", /Criterion 1 \(Grip strength\): choose one of: below/],
    ["?c1.field=grip_strength&c1.op=lt", /Criterion 1 \(Grip strength\): enter a number in kg/],
    ["?c1.field=grip_strength&c1.op=lt&c1.value=1e3", /“1e3” is not a number/],
    ["?c1.field=grip_strength&c1.op=lt&c1.value=NaN", /“NaN” is not a number/],
    ["?c1.field=grip_strength&c1.op=lt&c1.value=-4", /from 0 to 100000/],
    ["?c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=0", /“within” takes whole months from 1 to 240/],
    ["?c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=six", /“within” takes whole months/],
    ["?c1.field=grip_strength&c1.op=low_ewgsop2&c1.value=16", /takes no value/],
    ["?c1.field=weight&c1.op=low_ewgsop2", /choose one of/],
    ["?c1.field=sex&c1.op=is&c1.value=other", /“other” is not one of: Female, Male, Unknown/],
    ["?c1.field=sex&c1.op=is&c1.value=male&c1.within=6", /a time window applies only to results/],
    ["?c1.field=age&c1.op=gte&c1.value=65.5", /whole years/],
    ["?c1.field=diet", /Criterion 1 \(Diet\): choose how to compare/],
    ["?c1.field=diet&c1.op=is&c1.value=vegan&c2.field=flag&c2.op=open&c2.value=nope", /Criterion 2 \(Flag\): “nope” is not one of/],
  ])("explains a bad row instead of guessing: %s", (search, message) => {
    const { query, issues } = parse(search);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(message);
    // Only the good rows survive, so nothing wider than asked is ever silently queried.
    expect(query.criteria.every((c) => c.field === "diet")).toBe(true);
  });

  it(`refuses more than ${MAX_CRITERIA} rows`, () => {
    const rows = Array.from({ length: MAX_CRITERIA + 2 }, (_, i) => `c${i + 1}.field=sex&c${i + 1}.op=is&c${i + 1}.value=male`).join("&");
    const { query, issues } = parse(`?${rows}`);
    expect(issues[0]!.message).toMatch(/at most 20 criteria; remove 2/);
    expect(query.criteria).toHaveLength(MAX_CRITERIA);
  });

  it("never throws on hostile params and always reports or accepts", () => {
    const key = fc.oneof(fc.constantFrom("c1.field", "c1.op", "c1.value", "c1.within", "c2.field", "c99.op", "match", "criteria", "view", "c1.cutOff"), fc.string());
    fc.assert(
      fc.property(fc.dictionary(key, fc.oneof(fc.string(), fc.constantFrom("grip_strength", "lt", "low_ewgsop2", "1e309", "-0", "1.5", "999999", "any", "vegan"))), (params) => {
        const { query, issues } = parsePanelParams(params);
        for (const issue of issues) expect(issue.message).toMatch(/^(Criterion \d+|A cohort takes)/);
        for (const c of query.criteria) {
          expect(c.cutOff).toBeUndefined();
          if (c.value !== undefined && /^-?\d/.test(c.value)) expect(Number.isFinite(Number(c.value))).toBe(true);
        }
      }),
    );
  });

  it("removes the n-th visible row for the no-JavaScript Remove button", () => {
    const params = fromSearch("?sex=male&c1.field=sex&c1.op=is&c1.value=male&c2.field=&c4.field=diet&c4.op=is&c4.value=vegan&c5.field=tier&c5.op=is&c5.value=high&remove=2");
    expect(panelQueryString(parsePanelParams(withoutCohortRow(params, 2)).query)).toBe("?sex=male&c1.field=sex&c1.op=is&c1.value=male&c2.field=tier&c2.op=is&c2.value=high");
  });

  it("describes a row in words", () => {
    const { query } = parse("?c1.field=grip_strength&c1.op=low_ewgsop2&c1.within=6&c2.field=clinician&c2.op=is_not&c2.value=u1");
    expect(describeCriterion(query.criteria[0]!)).toBe("Grip strength low by the EWGSOP2 cut-off in the last 6 months");
    expect(describeCriterion(query.criteria[1]!, { u1: "Dr Ada" })).toBe("Attributed clinician is not Dr Ada");
  });
});

describe("guideline cut-offs for cohort criteria", () => {
  it("takes sex-specific grip cut-offs and their comparison from the threshold set (EWGSOP2 Table 3)", () => {
    const cutOff = resolveCutOff("ewgsop2", "grip_strength", DEFAULT_THRESHOLDS);
    expect(cutOff).toMatchObject({ sexSpecific: true, female: { value: 16, comparison: "<" }, male: { value: 27, comparison: "<" }, version: 1 });
    expect(describeCutOff(cutOff)).toBe("< 16 kg (women), < 27 kg (men); EWGSOP2, Table 3, threshold set v1");
  });

  it("follows a clinic's edited thresholds and uses each measure's own direction", () => {
    const edited = { ...DEFAULT_THRESHOLDS, version: 3, ewgsop2: { ...DEFAULT_THRESHOLDS.ewgsop2, gripKg: { male: 30, female: 20 } } };
    expect(resolveCutOff("ewgsop2", "grip_strength", edited)).toMatchObject({ version: 3, female: { value: 20 }, male: { value: 30 } });
    expect(resolveCutOff("ewgsop2", "chair_stand_5x", DEFAULT_THRESHOLDS)).toMatchObject({ sexSpecific: false, any: { value: 15, comparison: ">" } });
    expect(resolveCutOff("awgs2019", "gait_speed", DEFAULT_THRESHOLDS)).toMatchObject({ any: { value: 1, comparison: "<" } });
    expect(() => resolveCutOff("awgs2019", "asm", DEFAULT_THRESHOLDS)).toThrow(/no cut-off/);
  });
});
