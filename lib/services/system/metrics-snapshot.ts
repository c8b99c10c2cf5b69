import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { type Actor, type ClientInfo, systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { getServerEnv } from "@/lib/env";
import { UnauthenticatedError } from "@/lib/errors";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { registryFilesystem } from "@/lib/services/quotas/storage";
import { parseBasicCredentials } from "@/lib/validation/basic-credentials";

/**
 * Who may scrape /metrics: Prometheus with the bearer token set in WHARF_METRICS_TOKEN, or an
 * administrator or auditor with Basic credentials (a scrape config's basic_auth). Without either,
 * nothing: the metrics name every project and its traffic.
 */
export async function authorizeMetricsScrape({ authorization, client }: { authorization: string | null; client: ClientInfo }): Promise<Actor> {
  const token = getServerEnv().WHARF_METRICS_TOKEN;
  if (authorization?.startsWith("Bearer ")) {
    if (token && sameSecret(authorization.slice("Bearer ".length).trim(), token)) return systemActor("metrics-scraper");
    throw new UnauthenticatedError("The bearer token is not Wharf's metrics token (WHARF_METRICS_TOKEN).");
  }
  const credentials = parseBasicCredentials(authorization ?? "");
  if (!credentials) throw new UnauthenticatedError("Send the metrics bearer token or an administrator's or auditor's Basic credentials.");
  const actor = await verifyRegistryCredentials({ ...credentials, client });
  await assertSystemPermission(actor, "metrics.read", { type: "metrics" });
  return actor;
}

/** Compared as SHA-256 digests: equal lengths for timingSafeEqual, whatever was sent. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export type MetricsSnapshot = {
  jobRuns: { job: string; status: string; count: number }[];
  /** Each project's quota usage (distinct blobs). */
  storage: { project: string; bytes: number }[];
  index: { projects: number; repositories: number; artifacts: number; tags: number };
  /** Wharf's own registry's filesystem; null for an external registry (its storage is not here). */
  filesystem: { size: number; used: number } | null;
};

/** What the gauges show, in one read of Postgres (a scrape every 15-60 s). */
export async function readMetricsSnapshot(actor: Actor): Promise<MetricsSnapshot> {
  await assertSystemPermission(actor, "metrics.read", { type: "metrics" });
  const [jobRuns, storage, [index]] = await Promise.all([
    db.$queryRaw<{ job: string; status: string; count: number }[]>`
      SELECT job_name AS job, status::text AS status, count(*)::int AS count
      FROM job_runs WHERE status IN ('queued', 'running') GROUP BY job_name, status`,
    // The quota's usage: the distinct blobs the project's artifacts reference (kept exact in the
    // index transaction, lib/services/quotas).
    db.$queryRaw<{ project: string; bytes: bigint }[]>`SELECT name AS project, storage_used AS bytes FROM projects`,
    db.$queryRaw<{ projects: number; repositories: number; artifacts: number; tags: number }[]>`
      SELECT (SELECT count(*) FROM projects)::int AS projects,
             (SELECT count(*) FROM repositories WHERE deleting_at IS NULL)::int AS repositories,
             (SELECT count(*) FROM artifacts)::int AS artifacts,
             (SELECT count(*) FROM tags)::int AS tags`,
  ]);
  return {
    jobRuns,
    storage: storage.map((row) => ({ project: row.project, bytes: Number(row.bytes) })),
    index: index!,
    filesystem: await filesystemBytes(),
  };
}

/** The same reading as the dashboard's 85% warning (lib/services/quotas/storage.ts). */
async function filesystemBytes(): Promise<{ size: number; used: number } | null> {
  const fs = await registryFilesystem();
  return fs && { size: Number(fs.totalBytes), used: Number(fs.totalBytes - fs.freeBytes) };
}
