import { TIER_LABELS } from "@/lib/domain/labels";
import type { Tier } from "@/lib/domain/types";

/** A tier's word with its colour and a shape marker, so risk never rests on colour alone. */
const MARKERS: Record<Tier, string> = { high: "▲", elevated: "◆", low: "●", unassessed: "○" };

export function TierBadge({ tier }: { tier: Tier }) {
  return (
    <span className={`badge tier-${tier}`}>
      <span aria-hidden="true">{MARKERS[tier]} </span>
      {TIER_LABELS[tier]}
    </span>
  );
}
