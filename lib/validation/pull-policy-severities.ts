/** The pull policy's severities; no imports, so the configuration form can list them without zod. */
export const PULL_POLICY_SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type PullPolicySeverity = (typeof PULL_POLICY_SEVERITIES)[number];
