import { describe, expect, it } from "vitest";
import {
  actionDueAt,
  awaitingUntil,
  closedFlagReturnsAt,
  DEFAULT_FLAG_LIFECYCLE,
  flagState,
  noLongerIndicatedText,
  returnSentence,
  type StoredFlagLife,
} from "@/lib/domain/flag-lifecycle";
import { addDaysUtc } from "@/lib/domain/dates";

/**
 * The flag state computed from the stored flag and a `now` passed in (docs/design.md#flag-lifecycle),
 * at, just before and just after each window's boundary. Days are UTC calendar days.
 */
const settings = DEFAULT_FLAG_LIFECYCLE;
const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const at = (iso: string) => new Date(iso);

function open(dueAt: Date, extra: Partial<StoredFlagLife> = {}): StoredFlagLife {
  return { status: "open", stage: "none", dueAt, actionDueAt: dueAt, orderedAt: null, postponedUntil: null, ...extra };
}

describe("due soon → due → overdue", () => {
  // Due on 2026-12-31 at 09:30 (a due date carries the time of the result it counts from).
  const flag = open(at("2026-12-31T09:30:00Z"));

  it("is not due yet the day before the due-soon window opens", () => {
    expect(flagState(flag, at("2026-11-30T23:59:59Z"), settings)).toMatchObject({ state: "not_due", text: "Due 2026-12-31" });
  });

  it("is due soon from 30 days before its due day, to the day before", () => {
    expect(flagState(flag, at("2026-12-01T00:00:00Z"), settings)).toMatchObject({ state: "due_soon", text: "Due soon: 2026-12-31 (in 30 days)" });
    expect(flagState(flag, at("2026-12-30T23:59:59Z"), settings)).toMatchObject({ state: "due_soon", text: "Due soon: 2026-12-31 (in 1 day)" });
  });

  it("is 'Due today' all of its due day, before and after the due time — never 'Overdue since <today>'", () => {
    for (const now of ["2026-12-31T00:00:00Z", "2026-12-31T09:29:59Z", "2026-12-31T09:30:01Z", "2026-12-31T23:59:59Z"]) {
      const state = flagState(flag, at(now), settings);
      expect(state).toMatchObject({ state: "due", text: "Due today", day: "2026-12-31" });
      expect(state.text).not.toMatch(/overdue/i);
    }
  });

  it("is overdue from the next day, saying since when", () => {
    expect(flagState(flag, at("2027-01-01T00:00:00Z"), settings)).toMatchObject({ state: "overdue", overdueBecause: "due_date", text: "Overdue since 2026-12-31" });
  });

  it("takes the due-soon window from the clinic's setting", () => {
    expect(flagState(flag, at("2026-12-21T00:00:00Z"), { dueSoonDays: 10 }).state).toBe("due_soon");
    expect(flagState(flag, at("2026-12-20T23:59:59Z"), { dueSoonDays: 10 }).state).toBe("not_due");
    expect(flagState(flag, at("2026-12-30T12:00:00Z"), { dueSoonDays: 0 }).state).toBe("not_due");
  });
});

describe("ordered — awaiting result", () => {
  const orderedAt = at("2026-11-21T15:00:00Z");

  it("waits 60 days from the order day, or until a later expected date", () => {
    expect(awaitingUntil(orderedAt, null, settings)).toEqual(day("2027-01-20"));
    expect(awaitingUntil(orderedAt, day("2027-03-01"), settings)).toEqual(day("2027-03-01"));
    // An earlier expected date does not shorten the window.
    expect(awaitingUntil(orderedAt, day("2026-12-01"), settings)).toEqual(day("2027-01-20"));
    expect(awaitingUntil(orderedAt, null, { awaitingResultDays: 7 })).toEqual(day("2026-11-28"));
  });

  const flag = open(at("2026-11-01T08:00:00Z"), { stage: "ordered", orderedAt, actionDueAt: awaitingUntil(orderedAt, null, settings) });

  it("is awaiting (not overdue, though its due date has passed) through the window's last day", () => {
    expect(flagState(flag, orderedAt, settings)).toMatchObject({ state: "ordered", text: "Ordered 2026-11-21 — awaiting the result until 2027-01-20" });
    expect(flagState(flag, at("2027-01-20T23:59:59Z"), settings).state).toBe("ordered");
  });

  it("is overdue again the day after, and says the result never came", () => {
    expect(flagState(flag, at("2027-01-21T00:00:00Z"), settings)).toMatchObject({ state: "overdue", overdueBecause: "no_result", text: "Overdue: ordered 2026-11-21, no result by 2027-01-20" });
  });
});

describe("postponed until a date", () => {
  const until = day("2027-02-01");
  const flag = open(at("2026-11-01T08:00:00Z"), { stage: "postponed", postponedUntil: until, actionDueAt: actionDueAt("postponed", at("2026-11-01T08:00:00Z"), until, null) });

  it("is postponed until the day before, due on the day, overdue after it", () => {
    expect(flagState(flag, at("2027-01-31T23:59:59Z"), settings)).toMatchObject({ state: "postponed", text: "Postponed until 2027-02-01" });
    expect(flagState(flag, at("2027-02-01T00:00:00Z"), settings)).toMatchObject({ state: "due", text: "Due today" });
    expect(flagState(flag, at("2027-02-02T00:00:00Z"), settings)).toMatchObject({ state: "overdue", overdueBecause: "postponed_ended", text: "Overdue: postponed until 2027-02-01" });
  });

  it("never moves a flag's action day before its due date", () => {
    expect(actionDueAt("postponed", day("2027-03-01"), until, null)).toEqual(day("2027-03-01"));
    expect(actionDueAt("none", day("2027-03-01"), until, null)).toEqual(day("2027-03-01"));
    expect(actionDueAt("ordered", day("2027-03-01"), null, day("2027-01-20"))).toEqual(day("2027-01-20"));
  });
});

describe("closed and not applicable are kept apart from open", () => {
  it("reports the stored status whatever the dates", () => {
    expect(flagState({ ...open(day("2020-01-01")), status: "closed" }, day("2026-11-21"), settings).state).toBe("closed");
    expect(flagState({ ...open(day("2020-01-01")), status: "not_applicable" }, day("2026-11-21"), settings).state).toBe("not_applicable");
  });

  it("says why a flag is no longer applicable", () => {
    expect(noLongerIndicatedText("b12_test_due", { deceased: false, b12OnTreatment: true })).toMatch(/on B12 replacement/);
    expect(noLongerIndicatedText("b12_test_due", { deceased: true, b12OnTreatment: true })).toMatch(/has died/);
    expect(noLongerIndicatedText("muscle_mass_due", { deceased: false, b12OnTreatment: true })).toMatch(/no longer raises this flag/);
  });
});

describe("when a flag a person closed can return", () => {
  const closedAt = at("2026-11-21T15:00:00Z");

  it("after the return window from the close day, or from the date it was done elsewhere", () => {
    expect(closedFlagReturnsAt("patient_declined", closedAt, null, settings)).toEqual(day("2027-02-19"));
    expect(closedFlagReturnsAt("not_indicated", closedAt, null, settings)).toEqual(day("2027-02-19"));
    expect(closedFlagReturnsAt("other", closedAt, null, { closedReturnDays: 30 })).toEqual(day("2026-12-21"));
    expect(closedFlagReturnsAt("done_elsewhere", closedAt, day("2026-10-01"), settings)).toEqual(day("2026-12-30"));
    expect(closedFlagReturnsAt("done_elsewhere", closedAt, null, settings)).toEqual(day("2027-02-19"));
  });

  it("never, for a patient who died or left the clinic — and the close form says so", () => {
    expect(closedFlagReturnsAt("deceased", closedAt, null, settings)).toBeNull();
    expect(closedFlagReturnsAt("left_clinic", closedAt, null, settings)).toBeNull();
    expect(returnSentence(null)).toMatch(/will not come back unless someone reopens it/);
    expect(returnSentence(addDaysUtc(day("2026-11-21"), 90))).toMatch(/comes back on 2027-02-19/);
  });
});
