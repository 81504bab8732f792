import { z } from "zod";
import { FLAG_LABELS, TIER_LABELS } from "@/lib/domain/labels";
import { FLAG_CODES, TIER_RANK, type FlagCode, type Tier } from "@/lib/domain/types";

/**
 * What a saved assessment changed, carried from the save to the patient page in the URL
 * (`?saved=assessment&tier=low.high&opened=…&closed=…`; `saved=patient` after registering a patient,
 * `saved=details` after editing their details) so the page can say it in a status
 * message. Only the engine's own vocabulary passes; anything else is no notice at all. The page
 * also checks the notice against the record (`isNoticeCurrent`), so a forged or stale link never
 * states a tier the record does not have.
 */
export interface AssessmentNotice {
  /** What was saved: an assessment when absent; "patient" a new patient, "details" an edit of demographics or diet. */
  saved?: "patient" | "details";
  tierBefore: Tier | null;
  tierAfter: Tier | null;
  flagsOpened: FlagCode[];
  flagsClosed: FlagCode[];
}

const tier = z.enum(Object.keys(TIER_RANK) as [Tier, ...Tier[]]);
const NONE = "none";
const tierOrNone = z.union([tier, z.literal(NONE)]).transform((t) => (t === NONE ? null : t));
const flagList = z
  .string()
  .max(400)
  .optional()
  .transform((text) => (text ? text.split(".") : []))
  .pipe(z.array(z.enum(FLAG_CODES)).max(FLAG_CODES.length));

const noticeSchema = z.object({
  saved: z.enum(["assessment", "patient", "details"]),
  tier: z
    .string()
    .max(40)
    .transform((text) => text.split("."))
    .pipe(z.tuple([tierOrNone, tierOrNone])),
  opened: flagList,
  closed: flagList,
});

/** The URL query that carries a notice (no leading "?"). */
export function assessmentNoticeQuery(notice: AssessmentNotice): string {
  const params = new URLSearchParams({ saved: notice.saved ?? "assessment", tier: `${notice.tierBefore ?? NONE}.${notice.tierAfter ?? NONE}` });
  if (notice.flagsOpened.length > 0) params.set("opened", notice.flagsOpened.join("."));
  if (notice.flagsClosed.length > 0) params.set("closed", notice.flagsClosed.join("."));
  return params.toString();
}

/** A notice from the page's search params, or null when there is none or it does not parse. */
export function parseAssessmentNotice(params: Record<string, string | string[] | undefined>): AssessmentNotice | null {
  const single = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
  const parsed = noticeSchema.safeParse(single);
  if (!parsed.success) return null;
  const [tierBefore, tierAfter] = parsed.data.tier;
  const { saved } = parsed.data;
  return { ...(saved === "assessment" ? {} : { saved }), tierBefore, tierAfter, flagsOpened: parsed.data.opened, flagsClosed: parsed.data.closed };
}

/** Whether the record still shows what the notice says it became: its tier, and the flags it opened still open and those it closed still closed. */
export function isNoticeCurrent(notice: AssessmentNotice, record: { tier: Tier | null; openFlags: readonly string[] }): boolean {
  return notice.tierAfter === record.tier && notice.flagsOpened.every((f) => record.openFlags.includes(f)) && notice.flagsClosed.every((f) => !record.openFlags.includes(f));
}

const tierWord = (t: Tier | null) => (t === null ? "not evaluated" : TIER_LABELS[t]);

/** The notice as sentences: "Assessment saved. Tier Low → High. Flags opened: B12 deficiency follow-up. Flags closed: none." */
export function describeAssessmentNotice(notice: AssessmentNotice): string[] {
  const tierText = notice.tierBefore === notice.tierAfter ? `Tier unchanged: ${tierWord(notice.tierAfter)}.` : `Tier ${tierWord(notice.tierBefore)} → ${tierWord(notice.tierAfter)}.`;
  const list = (codes: readonly FlagCode[]) => (codes.length === 0 ? "none" : codes.map((c) => FLAG_LABELS[c]).join(", "));
  const what = notice.saved === "patient" ? "Patient registered." : notice.saved === "details" ? "Details saved." : "Assessment saved.";
  return [what, tierText, `Flags opened: ${list(notice.flagsOpened)}.`, `Flags closed: ${list(notice.flagsClosed)}.`];
}
