import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { addDaysUtc } from "@/lib/domain/dates";
import { startOfUtcDay, type FlagLifecycleSettings, type OpenFlagState } from "@/lib/domain/flag-lifecycle";

/**
 * The open flags in one state at `now` as a database filter — the same UTC-day rules as
 * lib/domain/flag-lifecycle.ts `flagState`, on the stored action day (`actionDueAt`):
 * overdue before today; due today (not an ordered flag, which is awaiting through its last day);
 * due soon within `dueSoonDays` after today; ordered and postponed while their day is ahead.
 * The panel's filter, the cohort builder and the summary's counts use it, so they agree with
 * what the patient page shows.
 */
export function flagStateWhere(state: OpenFlagState, now: Date, settings: Pick<FlagLifecycleSettings, "dueSoonDays">): Prisma.FlagWhereInput {
  const today = startOfUtcDay(now);
  const tomorrow = addDaysUtc(today, 1);
  const soonEnd = addDaysUtc(today, settings.dueSoonDays + 1);
  switch (state) {
    case "overdue":
      return { status: "open", actionDueAt: { lt: today } };
    case "due":
      return { status: "open", stage: { not: "ordered" }, actionDueAt: { gte: today, lt: tomorrow } };
    case "due_soon":
      return { status: "open", stage: "none", actionDueAt: { gte: tomorrow, lt: soonEnd } };
    case "not_due":
      return { status: "open", stage: "none", actionDueAt: { gte: soonEnd } };
    case "ordered":
      return { status: "open", stage: "ordered", actionDueAt: { gte: today } };
    case "postponed":
      return { status: "open", stage: "postponed", actionDueAt: { gte: tomorrow } };
  }
}
