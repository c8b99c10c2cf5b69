import "server-only";
import { CACHE_CHANNEL, processCache } from "@/lib/cache/process-cache";
import type { DbTransaction } from "@/lib/db/client";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { PullPolicySeverity } from "@/lib/validation/pull-policy";

/**
 * A project's pull policy as the gateway reads it on every manifest GET: Harbor's "prevent
 * vulnerable images from running" with its severity, Wharf's "refuse unscanned images", Harbor's
 * cosign content trust, and the CVE allowlist in force (the system's or the project's own, as
 * `reuseSystemCveAllowlist` says; an expired one lists nothing).
 */
export type ProjectPullPolicy = {
  preventVulnerable: boolean;
  severity: PullPolicySeverity;
  refuseUnscanned: boolean;
  requireSignature: boolean;
  /** Upper-cased ids; empty when the allowlist in force is empty or expired. */
  allowlist: ReadonlySet<string>;
  /** When the allowlist in force stops applying (null: never); the cached entry is dropped then. */
  allowlistExpiresAt: Date | null;
};

export const PULL_POLICY_TOPIC = "pull-policy" as const;

/** The project columns that hold its pull policy (every reader selects these). */
export const PULL_POLICY_COLUMNS = {
  preventVulnerable: true,
  vulnerabilitySeverity: true,
  refuseUnscanned: true,
  requireSignature: true,
  reuseSystemCveAllowlist: true,
} as const;

/** The columns and the project's own allowlist, as pages and REST show them. */
export const PULL_POLICY_SELECT = { ...PULL_POLICY_COLUMNS, cveAllowlist: { select: { id: true, cveIds: true, expiresAt: true, updatedAt: true } } } as const;
export type PullPolicyRow = Prisma.ProjectGetPayload<{ select: typeof PULL_POLICY_SELECT }>;

/** Whether any setting asks the gateway to look at the artifact at all. */
export function pullPolicyActive(policy: ProjectPullPolicy): boolean {
  return policy.preventVulnerable || policy.refuseUnscanned || policy.requireSignature;
}

/**
 * Per project, per process, for the gateway's hot path. The multi-instance story is the tag
 * policy's: each change of a project's settings or of an allowlist sends a NOTIFY with the
 * "pull-policy" topic in its own transaction (delivered on commit) and every instance's listener
 * empties this cache; the changing instance also drops it itself after the commit. The time to
 * live bounds what a process without a listener can see stale.
 */
const cache = processCache<ProjectPullPolicy>({ name: "pull-policies", max: 10_000, ttlMs: 30_000, invalidatedBy: PULL_POLICY_TOPIC });

/** Bumped on every local invalidation, so a load that raced a change does not cache what it read. */
let generation = 0;

export async function pullPolicyFor(projectId: number, now: Date = new Date()): Promise<ProjectPullPolicy> {
  const key = String(projectId);
  const hit = cache.get(key);
  if (hit && (hit.allowlistExpiresAt === null || hit.allowlistExpiresAt > now)) return hit;
  const started = generation;
  const policy = await loadPullPolicy(projectId, now);
  if (generation === started) cache.set(key, policy);
  return policy;
}

export async function loadPullPolicy(projectId: number, now: Date = new Date()): Promise<ProjectPullPolicy> {
  const project = await db.project.findUnique({
    where: { id: projectId },
    select: PULL_POLICY_COLUMNS,
  });
  if (!project) return { preventVulnerable: false, severity: "low", refuseUnscanned: false, requireSignature: false, allowlist: new Set(), allowlistExpiresAt: null };
  const list = await db.cveAllowlist.findUnique({
    where: project.reuseSystemCveAllowlist ? { system: true } : { projectId },
    select: { cveIds: true, expiresAt: true },
  });
  const live = list && (list.expiresAt === null || list.expiresAt > now);
  return {
    preventVulnerable: project.preventVulnerable,
    severity: project.vulnerabilitySeverity as PullPolicySeverity,
    refuseUnscanned: project.refuseUnscanned,
    requireSignature: project.requireSignature,
    allowlist: new Set(live ? list.cveIds.map((id) => id.toUpperCase()) : []),
    allowlistExpiresAt: live ? list.expiresAt : null,
  };
}

/** Inside the change's transaction: every other instance forgets its copies on commit. */
export async function notifyPullPolicyChange(tx: DbTransaction): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${CACHE_CHANNEL}, ${PULL_POLICY_TOPIC})`;
}

/** After the commit: this process forgets at once (the system allowlist touches every project). */
export function forgetPullPolicies(): void {
  generation += 1;
  cache.clear();
}
