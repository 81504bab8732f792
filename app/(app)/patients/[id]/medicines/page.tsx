import type { ReactNode } from "react";
import Form from "next/form";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { getMedicinesPage, type MedicinesPage } from "@/lib/data/patients/medications";
import type { MedicationView } from "@/lib/data/patients/record";
import { isAppError } from "@/lib/errors";
import { toIsoDate } from "@/lib/domain/dates";
import { MEDICINE_CLASSES, matchMedicine, searchMedicines } from "@/lib/domain/medicine-catalogue";
import { CONDITION_CODES } from "@/lib/domain/types";
import { CONDITION_LABELS } from "@/lib/validation/medication-form";
import { formatDate } from "@/components/format";
import { AddConditionForm, AddMedicineForm, EditMedicineForm, ResolveConditionForm, StopMedicineForm, type MedicineOption } from "./medicine-forms";
import { TableScroll } from "@/components/table-scroll";

export const metadata = { title: "Medicines and conditions" };

async function load(id: string): Promise<MedicinesPage> {
  const actor = await requirePageActor("patient:edit");
  try {
    return await getMedicinesPage(getDb(), actor, id, new Date());
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

function RoleTags({ med }: { med: MedicationView }) {
  const tags: ReactNode[] = [];
  if (med.roles.b12Lowering) tags.push(<span key="lowering" className="role-tag role-b12-lowering">B12-lowering</span>);
  if (med.roles.b12Replacement) tags.push(<span key="replacement" className="role-tag role-b12-replacement">B12 replacement</span>);
  if (med.roles.muscleOrFalls) tags.push(<span key="falls" className="role-tag role-muscle-falls">Muscle/falls risk</span>);
  if (med.catalogueId === null) tags.push(<span key="free" className="role-tag role-unmatched">Not matched — does not count for the rules</span>);
  return tags.length > 0 ? <>{tags}</> : <span className="muted">—</span>;
}

function MedicineRows({ meds, version, today, current }: { meds: readonly MedicationView[]; version: number; today: string; current: boolean }) {
  return (
    <tbody>
      {meds.length === 0 ? (
        <tr><td colSpan={5} className="muted">None recorded.</td></tr>
      ) : (
        meds.map((med) => (
          <tr key={med.id}>
            <th scope="row">
              {med.name}
              {med.genericName && med.genericName.toLowerCase() !== med.name.toLowerCase() ? <span className="muted small"> ({med.genericName})</span> : null}
              {med.classLabel ? <div className="muted small">{med.classLabel}{med.atcCode ? ` · ${med.atcCode}` : ""}</div> : null}
            </th>
            <td><RoleTags med={med} /></td>
            <td className="nowrap">{med.startedOn ? formatDate(med.startedOn) : <span className="muted">unknown</span>}</td>
            <td className="nowrap">{med.stoppedOn ? formatDate(med.stoppedOn) : <span className="muted">—</span>}</td>
            <td className="med-actions">
              {current && med.stoppedOn === null ? <StopMedicineForm medicationId={med.id} name={med.name} version={version} today={today} /> : null}
              <EditMedicineForm
                medicationId={med.id}
                name={med.name}
                version={version}
                startedOn={med.startedOn ? toIsoDate(med.startedOn) : ""}
                stoppedOn={med.stoppedOn ? toIsoDate(med.stoppedOn) : ""}
              />
            </td>
          </tr>
        ))
      )}
    </tbody>
  );
}

function MedicineTable({ caption, meds, version, today, current }: { caption: string; meds: readonly MedicationView[]; version: number; today: string; current: boolean }) {
  return (
    <TableScroll label={`${caption}: table`}>
      <table className="data">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Medicine</th>
            <th scope="col">Relevance</th>
            <th scope="col">Started</th>
            <th scope="col">Stopped</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <MedicineRows meds={meds} version={version} today={today} current={current} />
      </table>
    </TableScroll>
  );
}

/** Medicines (searched in the catalogue by generic or brand name) and B12-absorption conditions. */
export default async function MedicinesPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { id } = await params;
  const search = await searchParams;
  const { patient, version, medications } = await load(id);
  const q = typeof search.q === "string" ? search.q.trim().slice(0, 100) : "";
  const added = typeof search.added === "string" ? search.added.slice(0, 200) : null;
  const today = toIsoDate(new Date());
  const name = `${patient.familyName}, ${patient.givenName}`;
  const exact = q ? matchMedicine(q) : null;
  const options: MedicineOption[] = searchMedicines(q, 12).map((entry) => ({
    id: entry.id,
    genericName: entry.genericName,
    brands: entry.brandNames.join(", "),
    classLabel: MEDICINE_CLASSES[entry.medicineClass].label,
    atc: entry.atc,
    roles: [
      ...(entry.roles.b12Lowering ? ["B12-lowering"] : []),
      ...(entry.roles.b12Replacement ? ["B12 replacement"] : []),
      ...(entry.roles.muscleOrFalls ? ["Muscle/falls risk"] : []),
    ],
  }));
  const recorded = new Set(patient.conditions.map((c) => c.code));
  const addable = CONDITION_CODES.filter((code) => !recorded.has(code));
  return (
    <div className="stack">
      <nav aria-label="Breadcrumb" className="small">
        <Link href="/patients">Patients</Link> <span aria-hidden="true">›</span> <Link href={`/patients/${patient.id}`}>{name}</Link>{" "}
        <span aria-hidden="true">›</span> <span aria-current="page">Medicines and conditions</span>
      </nav>
      <h1>Medicines and conditions: {name}</h1>
      {added ? <p className="form-ok" role="status">Added {added}. <Link href={`/patients/${patient.id}`}>Back to the patient</Link></p> : null}
      <p className="small muted flush">
        Only medicines matched to the catalogue count for the B12 and medication-review rules; a name it does not know is kept as free text. Every
        change re-evaluates the patient at once.
      </p>

      <section aria-labelledby="add-medicine-heading" className="card stack">
        <h2 id="add-medicine-heading">Add a medicine</h2>
        <Form action={`/patients/${patient.id}/medicines`} className="row" role="search" aria-label="Search the medicine catalogue">
          <div className="field">
            <label htmlFor="med-q">Generic or brand name</label>
            <input id="med-q" name="q" defaultValue={q} autoComplete="off" autoFocus={!q} />
          </div>
          <button type="submit" className="secondary">Search</button>
        </Form>
        {q ? (
          <AddMedicineForm
            key={`${q}-${version}`}
            patientId={patient.id}
            version={version}
            query={q}
            options={options}
            exactId={exact?.id ?? null}
            today={today}
          />
        ) : null}
      </section>

      <section aria-labelledby="current-medicines-heading" className="stack">
        <h2 id="current-medicines-heading">Current medicines</h2>
        <MedicineTable caption="Current medicines" meds={medications.current} version={version} today={today} current />
        {medications.past.length > 0 ? <MedicineTable caption="Past medicines" meds={medications.past} version={version} today={today} current={false} /> : null}
      </section>

      <section aria-labelledby="conditions-heading" className="card stack">
        <h2 id="conditions-heading">Conditions that impair B12 absorption</h2>
        {patient.conditions.length === 0 ? (
          <p className="muted">None recorded.</p>
        ) : (
          <ul className="condition-list">
            {patient.conditions.map((c) => (
              <li key={c.code}>
                <span>{CONDITION_LABELS[c.code]} <span className="muted small">recorded {formatDate(c.recordedAt)}</span></span>
                <ResolveConditionForm patientId={patient.id} version={version} code={c.code} label={CONDITION_LABELS[c.code]} />
              </li>
            ))}
          </ul>
        )}
        {addable.length > 0 ? (
          <AddConditionForm patientId={patient.id} version={version} options={addable.map((code) => ({ code, label: CONDITION_LABELS[code] }))} />
        ) : null}
      </section>
    </div>
  );
}
