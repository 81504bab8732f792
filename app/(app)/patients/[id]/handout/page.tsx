import "./handout.css";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageActor } from "@/lib/auth/session";
import { getDb } from "@/lib/data/db/client";
import { openPatientRecord } from "@/lib/data/patients/record";
import { isAppError } from "@/lib/errors";
import { buildHandout, type HandoutResult } from "@/lib/domain/handout";
import { HANDOUT_WORDING_EN } from "@/lib/domain/handout-wording";
import { FLAG_CODES, type FlagCode } from "@/lib/domain/types";
import { PrintButton } from "../../../report/print-button";

export const metadata = { title: "Patient handout" };

const isFlagCode = (code: string): code is FlagCode => (FLAG_CODES as readonly string[]).includes(code);

/**
 * One A4 page for the patient to take home, in plain language (lib/domain/handout-wording.ts):
 * their results against the cut-offs, what they mean and what happens next.
 */
export default async function HandoutPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await requirePageActor("patient:view");
  const now = new Date();
  let record;
  try {
    record = await openPatientRecord(getDb(), actor, id, now);
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
  const [observations, flags, thresholds] = await Promise.all([record.loadObservations(), record.loadFlags(), record.loadThresholds()]);
  const results: HandoutResult[] = Object.values(observations.byKind)
    .flat()
    .map((o) => ({ kind: o.kind, value: o.value, isUnable: o.isUnable, observedAt: o.observedAt }));
  const { patient } = record;
  const handout = buildHandout({
    name: `${patient.givenName} ${patient.familyName}`,
    mrn: patient.mrn,
    sex: patient.sex,
    tier: record.snapshot?.tier ?? null,
    results,
    openFlags: flags.open.flatMap((f) => (isFlagCode(f.code) ? [{ code: f.code, actionDueAt: f.actionDueAt }] : [])),
    thresholds: thresholds.values,
    now,
    wording: HANDOUT_WORDING_EN,
  });
  const w = HANDOUT_WORDING_EN;
  return (
    <article className="handout" aria-labelledby="handout-title">
      <div className="handout-actions">
        <PrintButton />
        <Link className="button secondary" href={`/patients/${patient.id}`}>Back to the patient</Link>
      </div>
      <header>
        <h1 id="handout-title">{handout.title}</h1>
        <p className="handout-intro">{handout.intro}</p>
        <p className="handout-id small">{handout.recordNumber}</p>
      </header>
      <section aria-labelledby="handout-results">
        <h2 id="handout-results">{w.resultsHeading}</h2>
        <table className="handout-table">
          <thead>
            <tr>
              <th scope="col">{w.columns.test}</th>
              <th scope="col">{w.columns.result}</th>
              <th scope="col">{w.columns.lookFor}</th>
              <th scope="col">{w.columns.meaning}</th>
            </tr>
          </thead>
          <tbody>
            {handout.rows.map((row) => (
              <tr key={row.test} data-status={row.status}>
                <th scope="row">
                  {row.test}
                  <span className="handout-what">{row.what}</span>
                </th>
                <td>
                  <strong>{row.result}</strong>
                  {row.date ? <span className="handout-what">{w.takenOn(row.date)}</span> : null}
                </td>
                <td>{row.lookFor}</td>
                <td>{row.meaning}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="handout-summary">
        <h2 id="handout-summary">{w.summaryHeading}</h2>
        <p>{handout.summary}</p>
      </section>
      <section aria-labelledby="handout-next">
        <h2 id="handout-next">{w.nextHeading}</h2>
        <ul className="handout-next">
          {handout.nextSteps.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ul>
        <p className="handout-follow-up"><strong>{handout.followUp}</strong></p>
      </section>
      <footer className="small">{w.questions}</footer>
    </article>
  );
}
