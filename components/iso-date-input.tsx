import type { InputHTMLAttributes } from "react";

/** The one date format of the app (docs/design.md: dates are ISO 8601 everywhere). */
export const ISO_DATE_PATTERN = "\\d{4}-\\d{2}-\\d{2}";

/**
 * A date box that shows and takes YYYY-MM-DD whatever the browser's language: a text input, since
 * `type="date"` displays the browser's locale (mm/dd/yyyy in en-US). The format is in the hint
 * beside it and in the pattern; the server parses and refuses anything else with a message
 * (lib/validation/numbers.ts parseDateCell and the forms' schemas), so the pattern is only a help.
 * `hintId` is the id of the visible "YYYY-MM-DD" hint, joined to any other description.
 */
export function IsoDateInput({ hintId, describedBy, ...props }: Omit<InputHTMLAttributes<HTMLInputElement>, "type" | "pattern"> & { hintId: string; describedBy?: string }) {
  return (
    <>
      <input
        {...props}
        type="text"
        inputMode="numeric"
        pattern={ISO_DATE_PATTERN}
        placeholder="YYYY-MM-DD"
        autoComplete="off"
        size={11}
        maxLength={10}
        title="A date written YYYY-MM-DD, e.g. 2026-03-31"
        aria-describedby={[hintId, describedBy].filter(Boolean).join(" ")}
      />
      <span id={hintId} className="muted small date-hint">YYYY-MM-DD</span>
    </>
  );
}
