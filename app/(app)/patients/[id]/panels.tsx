import type { ReactNode } from "react";
import Link from "next/link";
import type { MedicationView, OpenedPatientRecord, PatientFlags, StoredSnapshot } from "@/lib/data/patients/record";
import { CLOSE_REASON_LABELS, OUTREACH_LABELS } from "@/lib/data/flags/lifecycle";
import { AWGS2019_LABELS, AWGS2025_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS, FLAG_LABELS } from "@/lib/domain/labels";
import { MEASURE_LABELS } from "@/lib/domain/measures";
import { addMonthsUtc } from "@/lib/domain/dates";
import { describeReported } from "@/lib/validation/assessment-form";
import { buildTrend, TREND_KINDS, type TrendObservation } from "@/lib/domain/trends";
import { MEASURE_KINDS, type FlagCode, type Reason, type Sex } from "@/lib/domain/types";
import { ChartFigure } from "@/components/charts/chart-figure";
import { formatDate } from "@/components/format";
import { OUTREACH_CHANNEL_LABELS, OUTREACH_OUTCOME_LABELS } from "@/lib/domain/outreach";
import { CloseFlagForm, OrderFlagForm, OutreachAttemptForm, OutreachForm, PostponeFlagForm, ReopenFlagForm } from "./flag-forms";
import { FLAG_STATE_LABELS, type FlagStateView } from "@/lib/domain/flag-lifecycle";
import { toIsoDate } from "@/lib/domain/dates";
import { TableScroll } from "@/components/table-scroll";

function flagLabel(code: FlagCode): string {
  return FLAG_LABELS[code];
}

/** The date of the result a reason used (the engine records it with the reason), unless the sentence already says it. */
function reasonDate(reason: Reason): string | null {
  const at = reason.inputs.observedAt;
  if (typeof at !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(at)) return null;
  const date = at.slice(0, 10);
  return reason.text.includes(date) ? null : date;
}

function Reasons({ reasons }: { reasons: readonly Reason[] }) {
  if (reasons.length === 0) return <p className="muted small">No reasons recorded.</p>;
  return (
    <ul className="reasons">
      {reasons.map((reason, i) => {
        const date = reasonDate(reason);
        return (
          <li key={`${reason.code}-${i}`}>
            {reason.text}
            {date ? <span className="reason-date muted"> (result of {date})</span> : null}
          </li>
        );
      })}
    </ul>
  );
}

/**
 * The latest result of each measure with its date: those older than the look-back window are on
 * record but not used by the evaluation, and say so.
 */
export async function LatestResultsPanel({ record, now }: { record: OpenedPatientRecord; now: Date }) {
  const [observations, thresholds] = await Promise.all([record.loadObservations(), record.loadThresholds()]);
  const months = thresholds.values.screening.lookBackMonths;
  const windowStart = addMonthsUtc(now, -months);
  const latest = MEASURE_KINDS.flatMap((kind) => observations.byKind[kind].at(-1) ?? []);
  return (
    <details className="card latest-results" open>
      <summary>
        <h3 className="inline-heading">Latest result of each measure</h3>{" "}
        <span className="small">— with its date; results older than {months} months are not used</span>
      </summary>
      {latest.length === 0 ? (
        <p className="muted small">No results on record.</p>
      ) : (
        <ul className="latest-list small">
          {latest.map((o) => (
            <li key={o.kind}>
              <strong>{MEASURE_LABELS[o.kind]}</strong>: {describeReported(o)} <span className="muted nowrap">({formatDate(o.observedAt)})</span>
              {o.observedAt < windowStart ? <span className="not-used"> not used (older than {months} months)</span> : null}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

function Category({ title, value, reasons, headingLevel = 3, note, children }: {
  title: string;
  value: string;
  reasons: readonly Reason[];
  headingLevel?: 3 | 4;
  note?: string;
  children?: ReactNode;
}) {
  const Heading = headingLevel === 3 ? "h3" : "h4";
  return (
    <section className="category card" aria-label={title}>
      <Heading className="category-title">
        {title}: <span className="category-value">{value}</span>
      </Heading>
      {note ? <p className="small muted flush">{note}</p> : null}
      <Reasons reasons={reasons} />
      {children}
    </section>
  );
}

/** The citations behind a card's cut-offs, each once (the engine keeps them with each reason). */
function Sources({ reasons }: { reasons: readonly Reason[] }) {
  const sources = [...new Set(reasons.flatMap((reason) => reason.threshold?.source ?? []))];
  return sources.length === 0 ? null : <p className="small muted flush">Source: {sources.join("; ")}</p>;
}

/** Which AWGS edition drives the tier and flags, said on both AWGS cards. */
function editionNote(edition: 2019 | 2025, inForce: 2019 | 2025 | undefined): string {
  if (inForce === undefined) return "";
  return edition === inForce ? "This edition drives the tier and flags (the clinic's setting)." : "Shown for comparison; the tier and flags follow the other edition (the clinic's setting).";
}

function yesNo(value: boolean | null, yes: string, no: string): string {
  return value === null ? "Insufficient data" : value ? yes : no;
}

/** The stored evaluation, explained: each category with the sentences the engine wrote for it. */
export function CategoriesPanel({ snapshot }: { snapshot: StoredSnapshot | null }) {
  if (!snapshot) {
    return (
      <section aria-labelledby="categories-heading" className="stack">
        <h2 id="categories-heading">Current assessment</h2>
        <p className="muted">This patient has not been evaluated yet.</p>
      </section>
    );
  }
  const e = snapshot.evaluation;
  const sdoc = yesNo(e.sdoc.sarcopenia, "Sarcopenia (weakness and slowness)", "No sarcopenia");
  const fnih = `Weakness: ${yesNo(e.fnih.weakness, "yes", "no").toLowerCase()}; low lean mass: ${yesNo(e.fnih.lowLeanMass, "yes", "no").toLowerCase()}`;
  const caseFinding = e.caseFinding.positive ? "Positive" : "Negative";
  return (
    <section aria-labelledby="categories-heading" className="stack">
      <div>
        <h2 id="categories-heading">Current assessment</h2>
        <p className="small muted flush">
          Rule set version {snapshot.ruleSetVersion}, evaluated {formatDate(snapshot.evaluatedAt)}. Each sentence gives the value, the cut-off and its source.
        </p>
      </div>
      <div className="category-grid">
        <Category title="EWGSOP2" value={EWGSOP2_LABELS[e.ewgsop2.category]} reasons={e.ewgsop2.reasons} />
        <Category title="AWGS 2019" value={AWGS2019_LABELS[e.awgs2019.category]} reasons={e.awgs2019.reasons} note={editionNote(2019, e.awgsEditionInForce)} />
        {e.awgs2025 ? (
          <Category
            title="AWGS 2025"
            value={AWGS2025_LABELS[e.awgs2025.category]}
            reasons={e.awgs2025.reasons}
            note={`Supersedes AWGS 2019 (Chen et al., Nature Aging 2025). ${editionNote(2025, e.awgsEditionInForce)}`}
          >
            {e.awgs2025.outcomes.length > 0 ? (
              <>
                <p className="small flush"><strong>Outcomes</strong> (chair stand, gait speed: shown against their cut-offs, never diagnostic)</p>
                <Reasons reasons={e.awgs2025.outcomes} />
              </>
            ) : null}
            <Sources reasons={[...e.awgs2025.reasons, ...e.awgs2025.outcomes]} />
          </Category>
        ) : null}
        <Category
          title="Vitamin B12"
          value={`${B12_STATUS_LABELS[e.b12.status]}${e.b12.onTreatment ? " · on treatment" : ""}`}
          reasons={[
            ...e.b12.reasons,
            ...(e.b12.renalCaveat ? [{ code: "renal", text: "eGFR is low: MMA rises with renal impairment, so read MMA with care.", inputs: {} }] : []),
            ...e.riskFactors.reasons,
          ]}
        />
      </div>
      <details className="card secondary-categories">
        <summary>
          <h3 className="inline-heading">Other definitions and case finding</h3>{" "}
          <span className="small">— SDOC 2020: {sdoc} · FNIH 2014: {fnih} · Case finding: {caseFinding}</span>
        </summary>
        <div className="category-grid">
          <Category headingLevel={4} title="SDOC 2020" value={sdoc} reasons={e.sdoc.reasons} />
          <Category headingLevel={4} title="FNIH 2014" value={fnih} reasons={e.fnih.reasons} />
          <Category headingLevel={4} title="Case finding" value={caseFinding} reasons={e.caseFinding.reasons} />
        </div>
      </details>
    </section>
  );
}

/** The flag's state in words: "Overdue since …", "Due today", "Due soon: …", "Ordered … — awaiting the result until …". */
function StateText({ state }: { state: FlagStateView }) {
  const className = state.state === "overdue" ? "overdue" : state.state === "due" ? "due-today" : "muted";
  return <span className={`flag-state ${className}`} data-state={state.state}>{state.text}</span>;
}

/** A flag's outreach log, oldest attempt first: who tried how, what happened, when to try again. */
function OutreachHistory({ flagLabel, attempts }: { flagLabel: string; attempts: PatientFlags["open"][number]["outreachAttempts"] }) {
  if (attempts.length === 0) return <p className="muted small">No outreach attempts logged.</p>;
  return (
    <details className="small outreach-history" open>
      <summary>Outreach attempts ({attempts.length})</summary>
      <TableScroll label={`Outreach attempts, ${flagLabel}: table`}>
        <table className="data">
          <caption className="visually-hidden">Outreach attempts for {flagLabel}, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Date</th>
              <th scope="col">Channel</th>
              <th scope="col">Outcome</th>
              <th scope="col">Next attempt</th>
              <th scope="col">By</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a) => (
              <tr key={a.attempt}>
                <td>{a.attempt}</td>
                <td className="nowrap">{formatDate(a.recordedAt)}</td>
                <td>{OUTREACH_CHANNEL_LABELS[a.channel]}</td>
                <td>{OUTREACH_OUTCOME_LABELS[a.outcome]}</td>
                <td className="nowrap">{a.nextAttemptAt ? formatDate(a.nextAttemptAt) : "—"}</td>
                <td>{a.recordedByName ?? "—"}</td>
                <td>{a.note ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </details>
  );
}

/** Open flags, overdue first, each with why it fired, where it stands and the forms to act on it. */
export async function OpenFlagsPanel({ load }: { load: () => Promise<PatientFlags> }) {
  const { open, returnsIfClosedNow, settings } = await load();
  const returnsOn = Object.fromEntries(Object.entries(returnsIfClosedNow).map(([reason, at]) => [reason, at ? toIsoDate(at) : null])) as Record<keyof typeof returnsIfClosedNow, string | null>;
  return (
    <section aria-labelledby="open-flags-heading" className="stack">
      <h2 id="open-flags-heading">Open flags ({open.length})</h2>
      {open.length === 0 ? <p className="muted">No open flags.</p> : null}
      {open.map((flag) => {
        const label = flagLabel(flag.code);
        const headingId = `flag-${flag.id}-heading`;
        return (
          <article key={flag.id} className="flag-card card" aria-labelledby={headingId} data-flag-code={flag.code}>
            <header className="flag-card-header">
              <h3 id={headingId}>{label}</h3>
              {/* The state's name as a badge, unless the line says just that ("Due today"). */}
              {FLAG_STATE_LABELS[flag.state.state] !== flag.state.text ? <span className="badge">{FLAG_STATE_LABELS[flag.state.state]}</span> : null}
              <StateText state={flag.state} />
              <span className="badge">Outreach: {OUTREACH_LABELS[flag.outreach]}</span>
              {flag.outreachDue ? (
                <span className="badge tier-elevated" data-outreach-due="true">Outreach due today{flag.nextOutreachAt ? ` (planned ${formatDate(flag.nextOutreachAt)})` : ""}</span>
              ) : flag.nextOutreachAt ? (
                <span className="badge">Next outreach {formatDate(flag.nextOutreachAt)}</span>
              ) : null}
            </header>
            <p className="flag-reason">{flag.reasonText}</p>
            {flag.reasons.length > 0 ? (
              <details className="small">
                <summary>Values and thresholds behind this flag</summary>
                <Reasons reasons={flag.reasons} />
              </details>
            ) : null}
            <p className="muted small">
              Opened {formatDate(flag.openedAt)} · due {formatDate(flag.dueAt)}
              {flag.orderedAt ? <> · ordered {formatDate(flag.orderedAt)}{flag.orderedByName ? ` by ${flag.orderedByName}` : ""}{flag.expectedAt ? `, result expected ${formatDate(flag.expectedAt)}` : ""}</> : null}
            </p>
            <OutreachHistory flagLabel={label} attempts={flag.outreachAttempts} />
            <div className="flag-actions">
              <OutreachAttemptForm flagId={flag.id} version={flag.version} flagLabel={label} nextAttempt={flag.outreachAttempts.length + 1} />
              <OutreachForm flagId={flag.id} version={flag.version} flagLabel={label} outreach={flag.outreach} />
              {flag.stage !== "ordered" ? <OrderFlagForm flagId={flag.id} version={flag.version} flagLabel={label} awaitingDays={settings.awaitingResultDays} /> : null}
              <PostponeFlagForm flagId={flag.id} version={flag.version} flagLabel={label} />
              <CloseFlagForm flagId={flag.id} version={flag.version} flagLabel={label} returnsOn={returnsOn} />
            </div>
          </article>
        );
      })}
    </section>
  );
}

/** What closed a flag, or why it no longer applies, and whether it can come back. */
function closeDetails(flag: PatientFlags["closed"][number]): string {
  const parts: string[] = [];
  if (flag.closeNote) parts.push(flag.closeNote);
  if (flag.doneOn || flag.doneValue) parts.push(`Done${flag.doneOn ? ` ${formatDate(flag.doneOn)}` : ""}${flag.doneValue ? `: ${flag.doneValue}` : ""}`);
  if (flag.orderedAt) parts.push(`Ordered ${formatDate(flag.orderedAt)}${flag.orderedByName ? ` by ${flag.orderedByName}` : ""}`);
  if (flag.closedByName !== null) parts.push(flag.returnsAt ? `May return ${formatDate(flag.returnsAt)}` : "Does not return unless reopened");
  return parts.join(" · ");
}

/** Closed and not-applicable flags stay: who closed what, when and why, and whether it can return. */
export async function FlagHistoryPanel({ load }: { load: () => Promise<PatientFlags> }) {
  const { closed } = await load();
  return (
    <section aria-labelledby="flag-history-heading" className="stack">
      <h2 id="flag-history-heading">Flag history</h2>
      {closed.length === 0 ? (
        <p className="muted">No closed flags.</p>
      ) : (
        <TableScroll label="Closed flags: table">
          <table className="data">
            <caption className="visually-hidden">Closed and not-applicable flags, most recently closed first</caption>
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">State</th>
                <th scope="col">Opened</th>
                <th scope="col">Closed</th>
                <th scope="col">Reason</th>
                <th scope="col">By</th>
                <th scope="col">Details</th>
                <th scope="col">Outreach</th>
                <th scope="col"><span className="visually-hidden">Action</span></th>
              </tr>
            </thead>
            <tbody>
              {closed.map((flag) => (
                <tr key={flag.id} data-flag-code={flag.code}>
                  <td>{flagLabel(flag.code)}</td>
                  <td>{FLAG_STATE_LABELS[flag.state.state]}</td>
                  <td className="nowrap">{formatDate(flag.openedAt)}</td>
                  <td className="nowrap">{formatDate(flag.closedAt)}</td>
                  <td>{flag.closeReason ? CLOSE_REASON_LABELS[flag.closeReason] : "—"}</td>
                  <td>{flag.closedByName ?? (flag.closedAt ? "Engine" : "—")}</td>
                  <td>{closeDetails(flag)}</td>
                  <td>{OUTREACH_LABELS[flag.outreach]}{flag.outreachAttempts.length > 0 ? ` (${flag.outreachAttempts.length} ${flag.outreachAttempts.length === 1 ? "attempt" : "attempts"})` : ""}</td>
                  <td>
                    <ReopenFlagForm flagId={flag.id} version={flag.version} flagLabel={flagLabel(flag.code)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

function RoleTags({ med }: { med: MedicationView }) {
  const tags: ReactNode[] = [];
  if (med.roles.b12Lowering) tags.push(<span key="lowering" className="role-tag role-b12-lowering">B12-lowering</span>);
  if (med.roles.b12Replacement) tags.push(<span key="replacement" className="role-tag role-b12-replacement">B12 replacement</span>);
  if (med.roles.muscleOrFalls) tags.push(<span key="falls" className="role-tag role-muscle-falls">Muscle/falls risk</span>);
  if (med.catalogueId === null) tags.push(<span key="free" className="role-tag">Not in catalogue</span>);
  return tags.length > 0 ? <>{tags}</> : <span className="muted">—</span>;
}

function MedicationTable({ caption, meds }: { caption: string; meds: readonly MedicationView[] }) {
  return (
    <TableScroll label={`${caption}: table`}>
      <table className="data">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Medicine</th>
            <th scope="col">Class</th>
            <th scope="col">Relevance</th>
            <th scope="col">Started</th>
            <th scope="col">Stopped</th>
          </tr>
        </thead>
        <tbody>
          {meds.length === 0 ? (
            <tr><td colSpan={5} className="muted">None recorded.</td></tr>
          ) : (
            meds.map((med) => (
              <tr key={med.id}>
                <td>
                  {med.name}
                  {med.genericName && med.genericName.toLowerCase() !== med.name.toLowerCase() ? <span className="muted small"> ({med.genericName})</span> : null}
                </td>
                <td>{med.classLabel ?? <span className="muted">—</span>}{med.atcCode ? <span className="muted small"> · {med.atcCode}</span> : null}</td>
                <td><RoleTags med={med} /></td>
                <td className="nowrap">{med.startedOn ? formatDate(med.startedOn) : <span className="muted">unknown</span>}</td>
                <td className="nowrap">{med.stoppedOn ? formatDate(med.stoppedOn) : <span className="muted">—</span>}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** Current and past medicines, those that bear on B12 or on muscle and falls named as such. */
export async function MedicationsPanel({ record }: { record: OpenedPatientRecord }) {
  const { current, past } = await record.loadMedications();
  return (
    <section aria-labelledby="medicines-heading" className="stack">
      <h2 id="medicines-heading">Medicines</h2>
      <MedicationTable caption="Current medicines" meds={current} />
      {past.length > 0 ? <MedicationTable caption="Past medicines" meds={past} /> : null}
    </section>
  );
}

/** Trend charts against the guideline cut-offs (active thresholds) and the SOEP grip norms. */
export async function TrendsPanel({ record, sex, birthDate }: { record: OpenedPatientRecord; sex: Sex; birthDate: Date }) {
  const [observations, medications, thresholds] = await Promise.all([record.loadObservations(), record.loadMedications(), record.loadThresholds()]);
  const all: TrendObservation[] = Object.values(observations.byKind).flat();
  const meds = [...medications.current, ...medications.past];
  const input = { observations: all, medications: meds, sex, birthDate, thresholds: thresholds.values };
  return (
    <section aria-labelledby="trends-heading" className="stack">
      <h2 id="trends-heading">Trends</h2>
      <p className="small muted">Cut-off lines from the clinic&rsquo;s threshold set version {thresholds.version}, for the patient&rsquo;s sex. Each chart has its data as a table below it.</p>
      <p className="small"><Link href={`/patients/${record.patient.id}/observations`}>All results, with who entered them — correct a result</Link></p>
      <div className="chart-grid">
        {TREND_KINDS.map((kind) => (
          <ChartFigure key={kind} id={`chart-${kind}`} series={buildTrend(kind, input)} />
        ))}
      </div>
      {observations.enteredInError.length > 0 ? (
        <details className="card">
          <summary>Results marked entered in error ({observations.enteredInError.length}) — not plotted</summary>
          <ul className="small">
            {observations.enteredInError.map((o) => (
              <li key={o.id}>
                {MEASURE_LABELS[o.kind]} {o.isUnable ? "unable" : `${o.reportedValue} ${o.reportedUnit}`} on {formatDate(o.observedAt)}
                {o.erroredReason ? ` — ${o.erroredReason}` : ""}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
