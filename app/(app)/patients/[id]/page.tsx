import { Suspense } from "react";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { UserActor } from "@/lib/data/access/actor";
import { requirePageActor } from "@/lib/auth/session";
import { canViewPatientAccess } from "@/lib/data/audit/search";
import { getDb } from "@/lib/data/db/client";
import { openPatientRecord, type OpenedPatientRecord } from "@/lib/data/patients/record";
import { isAppError } from "@/lib/errors";
import { TierBadge } from "@/components/tier-badge";
import { formatDate } from "@/components/format";
import { TIER_LABELS } from "@/lib/domain/labels";
import { CategoriesPanel, FlagHistoryPanel, LatestResultsPanel, MedicationsPanel, OpenFlagsPanel, TrendsPanel } from "./panels";
import { ownValue } from "@/lib/domain/own-keys";
import { ChartsSkeleton, PanelSkeleton } from "./skeletons";
import { ChangeNoticeProvider, type ChangeNotice } from "./change-notice";
import { PatientTitle } from "./patient-title";
import { describeAssessmentNotice, isNoticeCurrent, parseAssessmentNotice } from "@/lib/validation/change-notice";


const CONDITION_LABELS: Record<string, string> = {
  autoimmune_gastritis: "Autoimmune gastritis",
  atrophic_gastritis: "Atrophic gastritis",
  gastrectomy: "Gastrectomy",
  bariatric_surgery: "Bariatric surgery",
  ileal_resection: "Ileal resection",
  crohns_ileal: "Crohn's disease (ileum)",
  coeliac: "Coeliac disease",
  pelvic_radiotherapy: "Pelvic radiotherapy",
};

const DIET_LABELS: Record<string, string> = { omnivore: "Omnivore", vegetarian: "Vegetarian", vegan: "Vegan" };
const SEX_LABELS: Record<string, string> = { female: "Female", male: "Male", unknown: "Unknown" };

export const metadata = { title: "Patient" };

async function open(id: string): Promise<{ actor: UserActor; record: OpenedPatientRecord; now: Date }> {
  const actor = await requirePageActor("patient:view");
  const now = new Date();
  try {
    return { actor, record: await openPatientRecord(getDb(), actor, id, now), now };
  } catch (error) {
    // Another clinic's patient is reported like a missing one.
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

/** The status message a saved assessment left in the URL, if the record still shows that change. */
async function noticeOf(searchParams: Record<string, string | string[] | undefined>, record: OpenedPatientRecord): Promise<ChangeNotice | null> {
  const notice = parseAssessmentNotice(searchParams);
  if (!notice) return null;
  const { open: openFlags } = await record.loadFlags();
  if (!isNoticeCurrent(notice, { tier: record.snapshot?.tier ?? null, openFlags: openFlags.map((f) => f.code) })) return null;
  return {
    lines: describeAssessmentNotice(notice),
    links: notice.saved
      ? [{ href: `/patients/${record.patient.id}/edit`, label: "Edit the details again" }]
      : [{ href: `/patients/${record.patient.id}/observations`, label: "Correct a result you entered" }],
  };
}

export default async function PatientPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { id } = await params;
  const { actor, record, now } = await open(id);
  const { patient, snapshot } = record;
  const notice = await noticeOf(await searchParams, record);
  const conditions = patient.conditions.map((c) => ownValue(CONDITION_LABELS, c.code) ?? c.code);

  return (
    <ChangeNoticeProvider initial={notice}>
    <PatientTitle title={`${patient.familyName}, ${patient.givenName} (${patient.mrn})`} />
    <div className="stack patient-page">
      <nav aria-label="Breadcrumb" className="small">
        <Link href="/patients">Patients</Link> <span aria-hidden="true">›</span> <span aria-current="page">{patient.familyName}, {patient.givenName}</span>
      </nav>
      <header className="patient-header card">
        <div className="patient-title">
          <h1>{patient.familyName}, {patient.givenName}</h1>
          {snapshot ? <TierBadge tier={snapshot.tier} /> : <span className="badge">Not evaluated</span>}
          {snapshot ? <span className="visually-hidden"> risk tier</span> : null}
        </div>
        <dl className="facts">
          <div><dt>Age</dt><dd>{patient.ageYears}</dd></div>
          <div><dt>Sex</dt><dd>{ownValue(SEX_LABELS, patient.sex) ?? patient.sex}</dd></div>
          <div><dt>MRN</dt><dd>{patient.mrn}</dd></div>
          <div><dt>Born</dt><dd>{formatDate(patient.birthDate)}</dd></div>
          <div><dt>Diet</dt><dd>{patient.diet ? (ownValue(DIET_LABELS, patient.diet) ?? patient.diet) : <span className="muted">Not recorded</span>}</dd></div>
          <div><dt>Conditions</dt><dd>{conditions.length > 0 ? conditions.join(", ") : <span className="muted">None recorded</span>}</dd></div>
          <div><dt>Clinician</dt><dd>{patient.clinician?.name ?? <span className="muted">Not attributed</span>}</dd></div>
          {patient.deceasedAt ? <div><dt>Deceased</dt><dd>{formatDate(patient.deceasedAt)}</dd></div> : null}
        </dl>
        {snapshot && snapshot.evaluation.tierReasons.length > 0 ? (
          <p className="tier-why small">
            <strong>Why {TIER_LABELS[snapshot.tier].toLowerCase()}:</strong> {snapshot.evaluation.tierReasons.map((r) => r.text).join("; ")}.
          </p>
        ) : null}
        <nav aria-label="Patient actions" className="patient-actions">
          <Link href={`/patients/${patient.id}/assess`} className="button">Enter assessment</Link>
          <Link href={`/patients/${patient.id}/edit`} className="button secondary">Edit details and diet</Link>
          <Link href={`/patients/${patient.id}/medicines`} className="button secondary">Medicines and conditions</Link>
          <Link href={`/patients/${patient.id}/observations`} className="button secondary">Correct a result</Link>
          <Link href={`/patients/${patient.id}/handout`} className="button secondary">Handout for the patient</Link>
          {canViewPatientAccess(actor, patient.clinician?.id ?? null) ? (
            <Link href={`/patients/${patient.id}/access`} className="button secondary">Who has seen or changed this record</Link>
          ) : null}
        </nav>
      </header>

      <CategoriesPanel snapshot={snapshot} />
      <Suspense fallback={<PanelSkeleton title="Latest result of each measure" rows={2} />}>
        <LatestResultsPanel record={record} now={now} />
      </Suspense>

      <div className="patient-columns">
        <div className="stack">
          <Suspense fallback={<PanelSkeleton title="Open flags" rows={4} />}>
            <OpenFlagsPanel load={record.loadFlags} />
          </Suspense>
          <Suspense fallback={<PanelSkeleton title="Flag history" rows={2} />}>
            <FlagHistoryPanel load={record.loadFlags} />
          </Suspense>
        </div>
        <Suspense fallback={<PanelSkeleton title="Medicines" rows={4} />}>
          <MedicationsPanel record={record} />
        </Suspense>
      </div>

      <Suspense fallback={<ChartsSkeleton />}>
        <TrendsPanel record={record} sex={patient.sex} birthDate={patient.birthDate} />
      </Suspense>
    </div>
    </ChangeNoticeProvider>
  );
}
