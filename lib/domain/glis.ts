/**
 * GLIS, the Global Leadership Initiative in Sarcopenia (Kirk B et al., Age and Ageing
 * 2024;53:afae052; docs/clinical-reference.md#glis): a conceptual definition only. No operational
 * cut-points have been published, so the app shows it as information (e.g. on the thresholds
 * page) and never applies it as a rule: there is no GLIS category, threshold or flag.
 */
export const GLIS_DEFINITION = {
  name: "Global Leadership Initiative in Sarcopenia (GLIS)",
  citation: "Kirk B et al., Age and Ageing 2024;53:afae052",
  text:
    "GLIS defines sarcopenia conceptually: muscle mass, muscle strength and muscle-specific strength are its components, " +
    "and physical performance is an outcome of sarcopenia rather than part of it. No operational cut-points have been " +
    "published, so this app shows the definition for information and applies no GLIS rule.",
} as const;
