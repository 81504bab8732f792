import { describe, expect, it } from "vitest";
import { normaliseForSearch, parseSearchQuery, patientSearchKey } from "@/lib/domain/search-key";

describe("search normalisation", () => {
  it.each([
    ["Müller", "muller"],
    ["MÜLLER", "muller"],
    ["Zoë", "zoe"],
    ["Ó'Brien", "obrien"],
    ["D’Arcy", "darcy"],
    ["Núñez-García", "nunez garcia"],
    ["Łukasz Żółć", "lukasz zolc"],
    ["Straße", "strasse"],
    ["Søren Ærø", "soren aero"],
    ["ﬁnn", "finn"],
    ["Jackson, Jan", "jackson jan"],
    ["  DEMO-000123  ", "demo 000123"],
    ["Nguyễn Thị", "nguyen thi"],
    ["!!!", ""],
  ])("%s → %s", (text, expected) => {
    expect(normaliseForSearch(text)).toBe(expected);
  });

  it("keys a patient by MRN, family and given names", () => {
    expect(patientSearchKey({ mrn: "DEMO-000123", familyName: "Müller", givenName: "Jan" })).toBe("demo 000123 muller jan");
  });
});

describe("search queries", () => {
  it("splits the app's own way of writing a name, and the other order, into the same words", () => {
    expect(parseSearchQuery("Jackson, Jan")).toEqual({ words: ["jackson", "jan"], birthDates: [] });
    expect(parseSearchQuery("Jan Jackson")).toEqual({ words: ["jan", "jackson"], birthDates: [] });
  });

  it("reads a YYYY-MM-DD token as a birth date, anything else as words", () => {
    expect(parseSearchQuery("1948-03-02")).toEqual({ words: [], birthDates: [new Date("1948-03-02T00:00:00Z")] });
    expect(parseSearchQuery("müller 1948-03-02")).toEqual({ words: ["muller"], birthDates: [new Date("1948-03-02T00:00:00Z")] });
    // Not a date: 30 February, and other date formats, are searched as words.
    expect(parseSearchQuery("1948-02-30")).toEqual({ words: ["1948", "02", "30"], birthDates: [] });
    expect(parseSearchQuery("02/03/1948").words).toEqual(["02", "03", "1948"]);
  });

  it("splits an MRN at its punctuation and drops repeated words", () => {
    expect(parseSearchQuery("DEMO-0001 demo")).toEqual({ words: ["demo", "0001"], birthDates: [] });
  });

  it("has nothing to search by for punctuation alone", () => {
    expect(parseSearchQuery(" , ; - ")).toEqual({ words: [], birthDates: [] });
  });
});
