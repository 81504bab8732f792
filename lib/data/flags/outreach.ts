import "server-only";
import type { Db } from "@/lib/data/db/client";
import type { Prisma } from "@/lib/generated/prisma-sqlite/client";
import { actorId, type Actor } from "@/lib/data/access/actor";
import { AppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { startOfUtcDay } from "@/lib/domain/flag-lifecycle";
import {
  nextAttemptProblem,
  outcomeProblem,
  outreachDueBefore,
  outreachStatusAfter,
  OUTREACH_CHANNELS,
  OUTREACH_OUTCOMES,
  type OutreachChannel,
  type OutreachOutcome,
} from "@/lib/domain/outreach";
import { assertOpen, changeFlag, type FlagChangeResult } from "./lifecycle";

/**
 * The outreach log of a flag (docs/design.md#outreach-log): recording an attempt and the panel's
 * "outreach due today" filter. An attempt is a flag change like the others in lifecycle.ts — the
 * version the user saw is claimed first (two people recording at once: one wins, the other is
 * told), the attempt is numbered inside the same transaction, the flag's outreach status follows
 * the outcome, and the "flag.update" audit event carries the attempt.
 */

export interface OutreachAttemptInput {
  channel: OutreachChannel;
  outcome: OutreachOutcome;
  note: string | null;
  /** The day to try again (any time of it; stored as midnight UTC), or null for no further attempt. */
  nextAttemptOn: Date | null;
}

export interface OutreachAttemptResult extends FlagChangeResult {
  attempt: number;
}

/** The longest note an attempt keeps. */
const MAX_NOTE = 500;

export async function recordOutreachAttempt(db: Db, actor: Actor, flagId: string, input: OutreachAttemptInput, expectedVersion: number, now: Date = new Date()): Promise<OutreachAttemptResult> {
  const { channel, outcome } = input;
  if (!OUTREACH_CHANNELS.includes(channel)) throw new AppError("invalid", "Choose how the patient was contacted from the list.");
  if (!OUTREACH_OUTCOMES.includes(outcome)) throw new AppError("invalid", "Choose the outcome of the attempt from the list.");
  const mismatch = outcomeProblem(channel, outcome);
  if (mismatch) throw new AppError("invalid", mismatch);
  const note = input.note?.trim() || null;
  if (note !== null && note.length > MAX_NOTE) throw new AppError("invalid", `Keep the note to ${MAX_NOTE} characters.`);
  const nextAttemptAt = input.nextAttemptOn === null ? null : startOfUtcDay(input.nextAttemptOn);
  if (nextAttemptAt !== null) {
    const problem = nextAttemptProblem(nextAttemptAt, now);
    if (problem) throw new AppError("invalid", problem);
  }
  let attempt = 0;
  const result = await changeFlag(db, actor, flagId, expectedVersion, async (flag, tx) => {
    assertOpen(flag, "record outreach");
    const previous = await tx.flagOutreach.count({ where: { flagId: flag.id, clinicId: actor.clinicId } });
    attempt = previous + 1;
    const status = outreachStatusAfter(outcome, flag.outreach);
    return {
      data: { outreach: status },
      detail: {
        change: "outreach_attempt", attempt, channel, outcome, note,
        nextAttemptOn: nextAttemptAt ? toIsoDate(nextAttemptAt) : null, from: flag.outreach, to: status,
      },
      alsoWrite: async (write) => {
        // Only the latest attempt's next date is "due": an earlier plan is history once someone followed it up.
        await write.flagOutreach.updateMany({ where: { flagId: flag.id, clinicId: actor.clinicId, isLatest: true }, data: { isLatest: false } });
        await write.flagOutreach.create({
          data: {
            clinicId: actor.clinicId, patientId: flag.patientId, flagId: flag.id, attempt, channel, outcome, note,
            nextAttemptAt, isLatest: true, recordedAt: now, recordedById: actorId(actor),
          },
        });
      },
    };
  }, now);
  return { ...result, attempt };
}

/**
 * Open flags whose latest outreach attempt plans the next one for today or a day already passed,
 * at `now` (UTC calendar days, like the flag states). Scoped by clinic through the attempt's own
 * clinic, so the (clinicId, nextAttemptAt) index answers it. The panel's `outreachDue` filter.
 */
export function outreachDueWhere(clinicId: string, now: Date): Prisma.FlagWhereInput {
  return { status: "open", outreachAttempts: { some: { clinicId, isLatest: true, nextAttemptAt: { lt: outreachDueBefore(now) } } } };
}
