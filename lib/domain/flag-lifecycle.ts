/**
 * The vocabulary of a flag's life after the engine raises it: outreach to the patient and the
 * reasons a person closes it. Shared by the data layer, the panel filters and the forms.
 */
export const OUTREACH_STATUSES = ["none", "contacted", "scheduled", "declined"] as const;
export type OutreachStatus = (typeof OUTREACH_STATUSES)[number];

/** Reasons a person may give; the engine's own `resolved_by_data` is not one of them. */
export const PERSON_CLOSE_REASONS = ["done", "not_applicable", "patient_declined"] as const;
export type PersonCloseReason = (typeof PERSON_CLOSE_REASONS)[number];

export const OUTREACH_LABELS: Record<OutreachStatus, string> = {
  none: "Not contacted",
  contacted: "Contacted",
  scheduled: "Scheduled",
  declined: "Declined",
};

export const CLOSE_REASON_LABELS: Record<PersonCloseReason | "resolved_by_data", string> = {
  done: "Done",
  not_applicable: "Not applicable",
  patient_declined: "Patient declined",
  resolved_by_data: "Resolved by new results",
};

