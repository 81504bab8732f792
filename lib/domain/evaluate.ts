import { assessAwgs2019 } from "./awgs2019";
import { assessAwgs2025 } from "./awgs2025";
import { assessB12 } from "./b12";
import { currentSymptoms } from "./b12-symptoms";
import { assessCaseFinding } from "./case-finding";
import { ageInYears } from "./dates";
import { assessEwgsop2 } from "./ewgsop2";
import { awgsInForce, sarcopeniaFinding } from "./findings";
import { evaluateFlags } from "./flags";
import { assessFnih } from "./fnih";
import { currentMedicines, summariseMedicines } from "./medications";
import { ObservationWindow } from "./observations";
import { plainReason } from "./reasons";
import { assessRiskFactors } from "./risk-factors";
import { assessSdoc } from "./sdoc";
import { assignTier } from "./tier";
import { withAddedGroups, type ThresholdValues } from "./thresholds";
import type { Evaluation, PatientHistory, Reason } from "./types";

export type { CategoryResult, Evaluation, FlagResult, Reason } from "./types";

export interface EvaluateOptions {
  /** The evaluation time; results after it are ignored. The engine never reads the clock. */
  now: Date;
  thresholds: ThresholdValues;
  ruleSetVersion: number;
}

/**
 * Evaluates one patient: EWGSOP2, AWGS 2019, AWGS 2025, SDOC and FNIH categories, case finding, B12
 * status, risk factors, current medicines by role, tier and flags — each with its reasons. Each
 * criterion uses the latest result of its measure within `thresholds.screening.lookBackMonths`
 * before `now`. Tiers and flags read the AWGS edition in force (`awgs2025.drivesTiersAndFlags`).
 * Pure and deterministic: the same history, options and thresholds give the same JSON.
 */
export function evaluatePatient(history: PatientHistory, opts: EvaluateOptions): Evaluation {
  const { now } = opts;
  const t = withAddedGroups(opts.thresholds);
  const window = new ObservationWindow(history.observations, now, t.screening.lookBackMonths);
  const diedAt = history.deceasedAt != null && history.deceasedAt.getTime() <= now.getTime() ? history.deceasedAt : null;
  // Age at death for a patient who has died, not the age they would be today.
  const ageYears = ageInYears(history.birthDate, diedAt ?? now);

  const current = currentMedicines(history.medications, now);
  const medicines = summariseMedicines(current);
  const b12OnTreatment = medicines.b12Replacement.length > 0;

  const ewgsop2 = assessEwgsop2(history.sex, window, t);
  const awgs2019 = assessAwgs2019(history.sex, window, t);

  const sdoc = assessSdoc(history.sex, window, t);
  const fnih = assessFnih(history.sex, window, t);
  const caseFinding = assessCaseFinding(history.sex, window, t);
  const awgs2025 = assessAwgs2025(
    { sex: history.sex, birthDate: history.birthDate, ageYears, window, yubiWakka: history.yubiWakka ?? [], caseFinding },
    t,
  );
  const awgs = awgsInForce(t, awgs2019, awgs2025);
  const b12 = assessB12(window, t, {
    usesNitrousOxide: current.some((c) => c.entry.medicineClass === "nitrous_oxide"),
  });

  const finding = sarcopeniaFinding(ewgsop2, awgs);
  const anySarcopeniaFinding = finding.any;

  const riskFactors = assessRiskFactors(
    { now, ageYears, diet: history.diet, conditions: history.conditions, current, anySarcopeniaFinding, sarcopeniaFindingText: finding.text },
    t,
  );

  const b12Reasons: Reason[] = [...b12.reasons];
  if (b12OnTreatment) {
    b12Reasons.push(
      plainReason("b12.on_treatment", `On B12 replacement (${medicines.b12Replacement.join(", ")}) → on treatment`, {
        medicines: medicines.b12Replacement.join(";"),
      }),
    );
  }

  const { tier, reasons: tierReasons } = assignTier({
    ewgsop2: ewgsop2.result.category,
    awgs2019: awgs2019.result.category,
    awgsEdition: awgs.edition,
    awgs2025: awgs2025.result.category,
    b12Status: b12.status,
    b12OnTreatment,
    caseFindingPositive: caseFinding.positive,
    anySarcopeniaFinding,
    hasStrengthMeasure: window.latest("grip_strength") !== null || window.latest("chair_stand_5x") !== null,
    hasB12Result: b12.primary !== null,
  });

  // Screening is for the living: a patient who has died keeps their categories (the record is
  // still read) but raises no flag for anyone to act on.
  if (diedAt) {
    tierReasons.push(plainReason("deceased", `Died on ${diedAt.toISOString().slice(0, 10)} → no screening flags`, { deceasedAt: diedAt.toISOString() }));
  }
  const flags = diedAt ? [] : evaluateFlags({
    now,
    thresholds: t,
    ageYears,
    window,
    ewgsop2,
    awgs,
    b12,
    b12OnTreatment,
    riskFactors,
    symptoms: currentSymptoms(history.b12Symptoms ?? [], window),
    current,
    finding,
  });

  return {
    ruleSetVersion: opts.ruleSetVersion,
    evaluatedAt: now.toISOString(),
    ageYears,
    ewgsop2: ewgsop2.result,
    awgs2019: awgs2019.result,
    awgs2025: awgs2025.result,
    awgsEditionInForce: awgs.edition,
    sdoc,
    fnih,
    caseFinding,
    b12: { status: b12.status, onTreatment: b12OnTreatment, renalCaveat: b12.renalCaveat, reasons: b12Reasons },
    riskFactors,
    medicines,
    anySarcopeniaFinding,
    tier,
    tierReasons,
    flags,
  };
}
