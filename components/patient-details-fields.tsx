import { IsoDateInput } from "@/components/iso-date-input";
import { DIET_LABELS, SEX_CHOICES } from "@/lib/validation/patient-form";
import { DIETS, SEXES } from "@/lib/domain/types";

/**
 * The name, birth date, sex and diet fields shared by the new-patient and edit-details forms: each
 * labelled, its error beside it (tied to it with aria-describedby), its value kept when the save
 * is refused (`values`: what was submitted, else what is on record).
 */
export interface DetailValues {
  familyName: string;
  givenName: string;
  birthDate: string;
  sex: string;
  diet: string;
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? <span className="field-error" id={id}>{message}</span> : null;
}

export function invalid(id: string, message: string | undefined) {
  return { "aria-invalid": message ? true : undefined, "aria-describedby": message ? `${id}-error` : undefined } as const;
}

export function PatientDetailsFields({ values, errors }: { values: DetailValues; errors: Record<string, string[] | undefined> }) {
  const error = (name: string) => errors[name]?.[0];
  return (
    <>
      <div className="row">
        <div className="field">
          <label htmlFor="pd-family">Family name</label>
          <input id="pd-family" name="familyName" defaultValue={values.familyName} autoComplete="off" required {...invalid("pd-family", error("familyName"))} />
          <FieldError id="pd-family-error" message={error("familyName")} />
        </div>
        <div className="field">
          <label htmlFor="pd-given">Given name</label>
          <input id="pd-given" name="givenName" defaultValue={values.givenName} autoComplete="off" required {...invalid("pd-given", error("givenName"))} />
          <FieldError id="pd-given-error" message={error("givenName")} />
        </div>
      </div>
      <div className="row">
        <div className="field">
          <label htmlFor="pd-birth">Birth date</label>
          <IsoDateInput
            id="pd-birth"
            name="birthDate"
            hintId="pd-birth-hint"
            defaultValue={values.birthDate}
            required
            aria-invalid={error("birthDate") ? true : undefined}
            describedBy={error("birthDate") ? "pd-birth-error" : undefined}
          />
          <FieldError id="pd-birth-error" message={error("birthDate")} />
        </div>
        <div className="field">
          <label htmlFor="pd-sex">Sex</label>
          <select id="pd-sex" name="sex" defaultValue={values.sex} {...invalid("pd-sex", error("sex"))}>
            <option value="" disabled>Choose…</option>
            {SEXES.map((s) => <option key={s} value={s}>{SEX_CHOICES[s]}</option>)}
          </select>
          <FieldError id="pd-sex-error" message={error("sex")} />
        </div>
        <div className="field">
          <label htmlFor="pd-diet">Diet</label>
          <select id="pd-diet" name="diet" defaultValue={values.diet} aria-describedby={["pd-diet-hint", error("diet") ? "pd-diet-error" : ""].filter(Boolean).join(" ")} aria-invalid={error("diet") ? true : undefined}>
            <option value="">Not recorded</option>
            {DIETS.map((d) => <option key={d} value={d}>{DIET_LABELS[d]}</option>)}
          </select>
          <span id="pd-diet-hint" className="muted small">A vegan or vegetarian diet is a B12 risk factor.</span>
          <FieldError id="pd-diet-error" message={error("diet")} />
        </div>
      </div>
    </>
  );
}
