import { describe, expect, it } from "vitest";
import {
  nextAttemptProblem,
  outcomeProblem,
  outreachDueBefore,
  outreachStatusAfter,
  OUTCOMES_BY_CHANNEL,
  OUTREACH_CHANNELS,
  OUTREACH_OUTCOMES,
} from "@/lib/domain/outreach";
import { flagOutreachAttemptSchema } from "@/lib/validation/flag-action";

const now = new Date("2026-11-21T15:30:00Z");

describe("outreach log rules (lib/domain/outreach.ts)", () => {
  it("every outcome belongs to at least one channel, and each channel's outcomes are accepted, the others refused with the choices", () => {
    for (const outcome of OUTREACH_OUTCOMES) expect(OUTREACH_CHANNELS.some((ch) => OUTCOMES_BY_CHANNEL[ch].includes(outcome)), outcome).toBe(true);
    for (const channel of OUTREACH_CHANNELS) {
      for (const outcome of OUTREACH_OUTCOMES) {
        const problem = outcomeProblem(channel, outcome);
        if (OUTCOMES_BY_CHANNEL[channel].includes(outcome)) expect(problem).toBeNull();
        else expect(problem).toMatch(/is not an outcome of .* outreach; choose/);
      }
    }
    expect(outcomeProblem("letter", "no_answer")).toBe("“No answer” is not an outcome of letter outreach; choose “Letter sent”, “Wrong number or address”.");
    expect(outcomeProblem("portal", "portal_message_sent")).toBeNull();
  });

  it("the outcome sets the flag's outreach status; an attempt that reached nobody leaves it", () => {
    expect(outreachStatusAfter("reached", "none")).toBe("contacted");
    expect(outreachStatusAfter("letter_sent", "none")).toBe("contacted");
    expect(outreachStatusAfter("appointment_booked", "contacted")).toBe("scheduled");
    expect(outreachStatusAfter("declined", "scheduled")).toBe("declined");
    expect(outreachStatusAfter("no_answer", "none")).toBe("none");
    expect(outreachStatusAfter("wrong_contact", "contacted")).toBe("contacted");
  });

  it("'today' ends at the next UTC midnight; a next attempt may be today up to a year ahead, not yesterday", () => {
    expect(outreachDueBefore(now).toISOString()).toBe("2026-11-22T00:00:00.000Z");
    expect(outreachDueBefore(new Date("2026-11-21T00:00:00Z")).toISOString()).toBe("2026-11-22T00:00:00.000Z");
    expect(outreachDueBefore(new Date("2026-11-21T23:59:59.999Z")).toISOString()).toBe("2026-11-22T00:00:00.000Z");
    expect(nextAttemptProblem(new Date("2026-11-21T00:00:00Z"), now)).toBeNull();
    expect(nextAttemptProblem(new Date("2026-11-20T23:59:59Z"), now)).toMatch(/in the past/);
    expect(nextAttemptProblem(new Date("2027-11-22T00:00:00Z"), now)).toBeNull();
    expect(nextAttemptProblem(new Date("2027-11-23T00:00:00Z"), now)).toMatch(/more than a year/);
  });

  it("the form's schema: channel and outcome from the lists and matching, an optional real date, the note held to the text rules", () => {
    const ok = flagOutreachAttemptSchema.safeParse({ flagId: "f1", version: "3", channel: "phone", outcome: "left_message", note: "", nextAttemptOn: "2026-11-24" });
    expect(ok.success && ok.data).toMatchObject({ version: 3, note: null, nextAttemptOn: new Date("2026-11-24T00:00:00Z") });
    const mismatch = flagOutreachAttemptSchema.safeParse({ flagId: "f1", version: "3", channel: "portal", outcome: "no_answer" });
    expect(mismatch.success).toBe(false);
    expect(mismatch.error?.issues[0]).toMatchObject({ path: ["outcome"] });
    expect(flagOutreachAttemptSchema.safeParse({ flagId: "f1", version: "3", channel: "fax", outcome: "reached" }).success).toBe(false);
    expect(flagOutreachAttemptSchema.safeParse({ flagId: "f1", version: "3", channel: "phone", outcome: "reached", nextAttemptOn: "2026-02-30" }).success).toBe(false);
    expect(flagOutreachAttemptSchema.safeParse({ flagId: "f1", version: "3", channel: "phone", outcome: "reached", note: "x".repeat(501) }).success).toBe(false);
  });
});
