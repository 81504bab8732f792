import { OUTREACH_LABELS } from "@/lib/domain/flag-lifecycle";
import { AWGS2019_LABELS, B12_STATUS_LABELS, EWGSOP2_LABELS, FLAG_LABELS, TIER_LABELS } from "@/lib/domain/labels";
import { MEDICINE_CLASSES } from "@/lib/domain/medicine-catalogue";
import type { PanelQuery } from "@/lib/validation/panel-query";
import { describeCriterion } from "@/lib/validation/cohort";

/** The panel filters of a report in words, for its heading ("All patients" when there are none). */
export function describeCohort(query: PanelQuery): string[] {
  const parts: string[] = [];
  if (query.q) parts.push(`name or MRN contains “${query.q}”`);
  if (query.sex) parts.push(`sex ${query.sex}`);
  if (query.ageMin !== undefined && query.ageMax !== undefined) parts.push(`aged ${query.ageMin}–${query.ageMax}`);
  else if (query.ageMin !== undefined) parts.push(`aged ${query.ageMin} or over`);
  else if (query.ageMax !== undefined) parts.push(`aged ${query.ageMax} or under`);
  if (query.diet) parts.push(query.diet === "not_recorded" ? "diet not recorded" : `${query.diet} diet`);
  if (query.med) parts.push(`taking ${MEDICINE_CLASSES[query.med].label.toLowerCase()}`);
  if (query.mine) parts.push("my patients");
  else if (query.clinician) parts.push("one attributed clinician's patients");
  if (query.tier) parts.push(`${TIER_LABELS[query.tier].toLowerCase()} tier`);
  if (query.ewgsop2) parts.push(`EWGSOP2: ${EWGSOP2_LABELS[query.ewgsop2].toLowerCase()}`);
  if (query.awgs) parts.push(`AWGS 2019: ${AWGS2019_LABELS[query.awgs].toLowerCase()}`);
  if (query.b12) parts.push(`B12 ${B12_STATUS_LABELS[query.b12].toLowerCase()}`);
  const flag = query.flag ? `open flag “${FLAG_LABELS[query.flag]}”` : "an open flag";
  if (query.flag || query.outreach || query.overdue) {
    parts.push([flag, query.outreach ? `outreach ${OUTREACH_LABELS[query.outreach].toLowerCase()}` : null, query.overdue ? "overdue" : null].filter(Boolean).join(", "));
  }
  if (query.criteria.length > 0) {
    const criteria = query.criteria.map((c) => describeCriterion(c));
    parts.push(criteria.length === 1 ? criteria[0]! : `${query.match === "any" ? "any" : "all"} of: ${criteria.join(query.match === "any" ? "; or " : "; and ")}`);
  }
  return parts;
}
