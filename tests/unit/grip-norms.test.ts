import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../support/fixtures";
import { GRIP_NORMS, gripNormFor } from "@/lib/domain/grip-norms";

/** The source the table was transcribed from: the paper's S3 table (tests/fixtures/README.md). */
const CSV = fixturePath("norms", "hand_grip_strength_SOEP_normative_age_gender_weighted_S3.csv");

function readNorms() {
  const [header, ...lines] = readFileSync(CSV, "utf8").trim().split(/\r?\n/);
  expect(header).toBe("Gender,Age,Mean HGS,Age-group-specific SD,P50,N");
  return lines.map((line) => {
    const [gender, age, mean, sd, p50, n] = line.split(",");
    const [from, to] = age!.split("–").map(Number);
    return { sex: gender!.toLowerCase(), ageFrom: from, ageTo: to, meanKg: Number(mean), sdKg: Number(sd), p50Kg: Number(p50), n: Number(n) };
  });
}

describe("SOEP grip-strength norms (Steiber, PLoS ONE 2016)", () => {
  it("equal the source CSV row for row", () => {
    expect(GRIP_NORMS.map((row) => ({ ...row }))).toEqual(readNorms());
  });

  it("give mean ± 1 SD for the band an age falls in, at each band edge", () => {
    expect(gripNormFor("female", 65)).toMatchObject({ ageBand: "65–69", lowerKg: 22.4, upperKg: 32.8, isBeyondOldestBand: false });
    expect(gripNormFor("female", 69)?.ageBand).toBe("65–69");
    expect(gripNormFor("female", 70)?.ageBand).toBe("70–74");
    expect(gripNormFor("male", 80)).toMatchObject({ ageBand: "80–90", lowerKg: 25.7, upperKg: 40.7 });
    expect(gripNormFor("male", 90)?.isBeyondOldestBand).toBe(false);
  });

  it("use the oldest band beyond 90, marked so, and nothing for unknown sex or under 17", () => {
    expect(gripNormFor("male", 91)).toMatchObject({ ageBand: "80–90", isBeyondOldestBand: true });
    expect(gripNormFor("unknown", 70)).toBeNull();
    expect(gripNormFor("female", 16)).toBeNull();
    expect(gripNormFor("female", 17)?.ageBand).toBe("17–19");
  });
});
