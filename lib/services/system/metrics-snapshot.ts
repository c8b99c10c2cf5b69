import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { statfs } from "node:fs/promises";
import { type Actor, type ClientInfo, systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { getServerEnv } from "@/lib/env";
import { UnauthenticatedError } from "@/lib/errors";
import { verifyRegistryCredentials } from "@/lib/services/auth/verify-registry-credentials";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
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
    // As the dashboard counts storage (lib/services/dashboard): an index's children once, inside
    // the index's total; repositories being deleted no longer count.
    db.$queryRaw<{ project: string; bytes: bigint }[]>`
      SELECT p.name AS project, COALESCE(sum(a.total_size) FILTER (
        WHERE r.deleting_at IS NULL AND NOT EXISTS (SELECT 1 FROM artifact_references ar WHERE ar.child_id = a.id)), 0)::bigint AS bytes
      FROM projects p
      LEFT JOIN repositories r ON r.project_id = p.id
      LEFT JOIN artifacts a ON a.repository_id = r.id
      GROUP BY p.name`,
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
    filesystem: await registryFilesystem(),
  };
}

async function registryFilesystem(): Promise<{ size: number; used: number } | null> {
  const dir = getServerEnv().WHARF_REGISTRY_STORAGE_DIR;
  if (!dir) return null;
  const fs = await statfs(dir);
  return { size: fs.blocks * fs.bsize, used: (fs.blocks - fs.bfree) * fs.bsize };
}
