/**
 * The vocabulary of a flag's life after the engine raises it: outreach to the patient and the
 * reasons a person closes it. Shared by the data layer, the panel filters and the forms.
 */
export const OUTREACH_STATUSES = ["none", "contacted", "scheduled", "declined"] as const;
export type OutreachStatus = (typeof OUTREACH_STATUSES)[number];

/** Reasons a person may give; the engine's own `resolved_by_data` is not one of them. */
export const PERSON_CLOSE_REASONS = ["done", "not_applicable", "patient_declined"] as const;
export type PersonCloseReason = (typeof PERSON_CLOSE_REASONS)[number];

/** Every reason a closed flag may carry: a person's, or the engine's when new results no longer raise it. */
export const CLOSE_REASONS = [...PERSON_CLOSE_REASONS, "resolved_by_data"] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** A flag is open until a person or the engine closes it (`not_applicable` is kept for rows written by older versions). */
export const FLAG_STATUSES = ["open", "closed", "not_applicable"] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

export const OUTREACH_LABELS: Record<OutreachStatus, string> = {
  none: "Not contacted",
  contacted: "Contacted",
  scheduled: "Scheduled",
  declined: "Declined",
};

export const CLOSE_REASON_LABELS: Record<CloseReason, string> = {
  done: "Done",
  not_applicable: "Not applicable",
  patient_declined: "Patient declined",
  resolved_by_data: "Resolved by new results",
};

