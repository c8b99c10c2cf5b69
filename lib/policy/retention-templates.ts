/** Retention's templates and bounds; no imports, so the rule form can use them without zod and re2js. */

export const RETENTION_TEMPLATES = ["latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always"] as const;
export type RetentionTemplate = (typeof RETENTION_TEMPLATES)[number];

/** Harbor's bounds: counts 0 ≤ K < 32767, days 0 ≤ N ≤ 20190904. */
export const RETENTION_COUNT_MAX = 32_766;
export const RETENTION_DAYS_MAX = 20_190_904;
/** Harbor's limit per policy. */
export const RETENTION_RULES_MAX = 15;
