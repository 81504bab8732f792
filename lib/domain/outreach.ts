import { addDaysUtc } from "./dates";
import { startOfUtcDay, type OutreachStatus } from "./flag-lifecycle";

/**
 * The outreach log of a flag (docs/design.md#outreach-log): each attempt to reach the patient about
 * an open flag — by which channel, with what outcome, and when to try next. Pure: the data layer
 * (lib/data/flags/outreach.ts) stores attempts, the panel filters on the next attempt date.
 */

export const OUTREACH_CHANNELS = ["phone", "letter", "portal", "in_person"] as const;
export type OutreachChannel = (typeof OUTREACH_CHANNELS)[number];

export const OUTREACH_CHANNEL_LABELS: Record<OutreachChannel, string> = {
  phone: "Phone",
  letter: "Letter",
  portal: "Patient portal",
  in_person: "In person",
};

/**
 * The coded outcomes of one attempt. Each says what happened, not what to do next (the next
 * attempt date says that):
 * - `reached` — spoke with the patient (or their carer) about the flag;
 * - `appointment_booked` — reached, and a visit or test was booked;
 * - `declined` — reached, and the patient declined the test or visit;
 * - `no_answer` — phoned, nobody answered and no message could be left;
 * - `left_message` — phoned, left a voicemail or a message with someone;
 * - `letter_sent` — a letter was posted;
 * - `portal_message_sent` — a message was sent through the patient portal;
 * - `wrong_contact` — the number or address on file is wrong (fix the record before trying again).
 */
export const OUTREACH_OUTCOMES = ["reached", "appointment_booked", "declined", "no_answer", "left_message", "letter_sent", "portal_message_sent", "wrong_contact"] as const;
export type OutreachOutcome = (typeof OUTREACH_OUTCOMES)[number];

export const OUTREACH_OUTCOME_LABELS: Record<OutreachOutcome, string> = {
  reached: "Reached",
  appointment_booked: "Reached — appointment booked",
  declined: "Reached — patient declined",
  no_answer: "No answer",
  left_message: "Left a message",
  letter_sent: "Letter sent",
  portal_message_sent: "Portal message sent",
  wrong_contact: "Wrong number or address",
};

/**
 * The outcomes each channel can have: a letter is sent (or comes back: wrong address), a portal
 * message is sent, only a phone call goes unanswered or leaves a message, and a conversation
 * (phone, in person) reaches the patient.
 */
export const OUTCOMES_BY_CHANNEL: Record<OutreachChannel, readonly OutreachOutcome[]> = {
  phone: ["reached", "appointment_booked", "declined", "no_answer", "left_message", "wrong_contact"],
  letter: ["letter_sent", "wrong_contact"],
  portal: ["portal_message_sent"],
  in_person: ["reached", "appointment_booked", "declined"],
};

/**
 * The flag's outreach status after an attempt with this outcome: a conversation or a message
 * delivered is "contacted", a booking "scheduled", a refusal "declined"; an attempt that reached
 * nobody (no answer, wrong number or address) leaves the status as it was.
 */
export function outreachStatusAfter(outcome: OutreachOutcome, current: OutreachStatus): OutreachStatus {
  switch (outcome) {
    case "appointment_booked": return "scheduled";
    case "declined": return "declined";
    case "reached":
    case "left_message":
    case "letter_sent":
    case "portal_message_sent": return "contacted";
    case "no_answer":
    case "wrong_contact": return current;
  }
}

/** Why a channel and outcome do not go together, or null when they do. */
export function outcomeProblem(channel: OutreachChannel, outcome: OutreachOutcome): string | null {
  if (OUTCOMES_BY_CHANNEL[channel].includes(outcome)) return null;
  const allowed = OUTCOMES_BY_CHANNEL[channel].map((o) => `“${OUTREACH_OUTCOME_LABELS[o]}”`).join(", ");
  return `“${OUTREACH_OUTCOME_LABELS[outcome]}” is not an outcome of ${OUTREACH_CHANNEL_LABELS[channel].toLowerCase()} outreach; choose ${allowed}.`;
}

/** The longest a person may plan ahead for the next attempt: a year. */
export const MAX_NEXT_ATTEMPT_DAYS = 366;

/**
 * The first instant after "today" for outreach: an attempt is due today when its next attempt date
 * is before it (today, or a day already passed and not yet followed up). Days are UTC calendar
 * days, the same clock as the flag states (lib/domain/flag-lifecycle.ts `flagState`).
 */
export function outreachDueBefore(now: Date): Date {
  return addDaysUtc(startOfUtcDay(now), 1);
}

/** Why a next attempt date cannot be used at `now`, or null when it can. */
export function nextAttemptProblem(nextAttemptOn: Date, now: Date): string | null {
  const today = startOfUtcDay(now);
  const day = startOfUtcDay(nextAttemptOn);
  if (day.getTime() < today.getTime()) return "The next attempt date is in the past; give today or a later date, or leave it empty.";
  if (day.getTime() > addDaysUtc(today, MAX_NEXT_ATTEMPT_DAYS).getTime()) return "The next attempt date is more than a year away; give an earlier date or leave it empty.";
  return null;
}
