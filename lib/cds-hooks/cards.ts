import { FLAG_LABELS } from "@/lib/domain/labels";
import type { Evaluation, FlagResult, Tier } from "@/lib/domain/types";

/**
 * CDS Hooks 2.0 cards ("CDS Service Response") built from the engine's evaluation: one card per
 * open flag. Pure: the card ids come from the caller.
 */

export type CardIndicator = "info" | "warning" | "critical";

/** The specification: a "one-sentence, <140-character summary". */
export const SUMMARY_MAX = 139;

export interface CardLink {
  label: string;
  url: string;
  type: "absolute" | "smart";
  appContext?: string;
}

export interface CardAction {
  type: "create" | "update" | "delete";
  description: string;
  resource?: Record<string, unknown>;
}

export interface CardSuggestion {
  label: string;
  uuid: string;
  isRecommended?: boolean;
  actions: CardAction[];
}

export interface Card {
  uuid: string;
  summary: string;
  detail?: string;
  indicator: CardIndicator;
  source: { label: string; topic?: { system: string; code: string; display: string } };
  suggestions?: CardSuggestion[];
  selectionBehavior?: "at-most-one" | "any";
  links?: CardLink[];
}

/**
 * How urgent a card looks in the EHR, from the patient's tier (docs/ehr-integration.md): high →
 * critical, elevated → warning, low and unassessed → info. Every flag of one patient shares it:
 * the tier is the engine's single judgement of how much attention the patient needs.
 */
export const TIER_INDICATOR: Record<Tier, CardIndicator> = { high: "critical", elevated: "warning", low: "info", unassessed: "info" };

/** The card topic's code system: the app's flag codes, as on exported FHIR Flags. */
export const CARD_TOPIC_SYSTEM = "urn:sarcopenia-screening:flag";

/** `text` cut to `max` characters at a word where it can be, with an ellipsis. */
export function fitSummary(text: string, max: number = SUMMARY_MAX): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The app opened on this patient by the EHR (SMART launch); `appContext` tells the app whom and why. */
export function launchLink(launchUrl: string, patientId: string, flag?: FlagResult): CardLink {
  return {
    label: "Open in the sarcopenia screening app",
    url: launchUrl,
    type: "smart",
    appContext: JSON.stringify(flag ? { patientId, flag: flag.code } : { patientId }),
  };
}

export interface FlagCardOptions {
  patientId: string;
  /** Where the card's `smart` link points; no link without one. */
  launchUrl: string | undefined;
  newId: () => string;
}

/**
 * What to do and by when, in one line: the flag's instruction with its due date, or, when that is
 * too long, the instruction up to its first colon ("Order a B12 test (due 2026-11-21)"); the
 * rest of the text is in the card's detail.
 */
export function flagSummary(flag: FlagResult): string {
  const due = ` (due ${flag.dueAt.slice(0, 10)})`;
  const whole = flag.text.replace(/\.$/, "");
  if (whole.length + due.length <= SUMMARY_MAX) return `${whole}${due}`;
  const colon = whole.indexOf(": ");
  const clause = colon > 0 ? whole.slice(0, colon) : whole;
  return `${fitSummary(clause, SUMMARY_MAX - due.length)}${due}`;
}

/** One card for one flag: what to do and when, why (its reasons), and the guideline it rests on. */
export function flagCard(flag: FlagResult, tier: Tier, options: FlagCardOptions): Card {
  const reasons = flag.reasons.map((reason) => `- ${reason.text}`).join("\n");
  return {
    uuid: options.newId(),
    summary: flagSummary(flag),
    detail: `${flag.text}\n\n**Why**\n\n${reasons}\n\n**Source:** ${flag.source}`,
    indicator: TIER_INDICATOR[tier],
    source: { label: flag.source, topic: { system: CARD_TOPIC_SYSTEM, code: flag.code, display: FLAG_LABELS[flag.code] } },
    ...(options.launchUrl ? { links: [launchLink(options.launchUrl, options.patientId, flag)] } : {}),
  };
}

/** The patient-view response: a card per open flag, most urgent first as the engine orders them. */
export function patientViewCards(evaluation: Evaluation, options: FlagCardOptions): { cards: Card[] } {
  return { cards: evaluation.flags.map((flag) => flagCard(flag, evaluation.tier, options)) };
}
