import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Wharf's Prometheus metrics (prom-client, the exposition format). Counters and histograms are
 * fed where things happen (the front for every /v2 and token request, the sign-in services, the
 * job attempt runner); gauges about stored state (queue depth, storage, index size) are set from
 * one read of Postgres at scrape time (lib/services/system/metrics-snapshot.ts). The metric names
 * are what lib/metrics/wharf.rules.yml alerts on; `promtool test rules` checks the two together.
 *
 * One registry per process, on globalThis: the front (which serves /v2 and /metrics) and Next's
 * bundle (console sign-in) load separate copies of this module, and both must count into the same
 * metrics.
 */

/** The registry operations a request is filed under (bounded: never a repository or tag name). */
export const REGISTRY_OPERATIONS = ["ping", "catalog", "manifest", "blob", "upload", "tags", "referrers", "token", "other"] as const;
export type RegistryOperation = (typeof REGISTRY_OPERATIONS)[number];

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "wharf_process_" });
  const metrics = {
    registry,
    registryRequests: new Counter({
      name: "wharf_registry_requests_total",
      help: "Registry protocol requests (/v2 and the token service) by operation, method and status code.",
      labelNames: ["operation", "method", "code"] as const,
      registers: [registry],
    }),
    registryRequestDuration: new Histogram({
      name: "wharf_registry_request_duration_seconds",
      help: "Time from a registry request's arrival until its answer's status and headers are sent (a blob's transfer is not included).",
      labelNames: ["operation", "method"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    pushes: new Counter({
      name: "wharf_pushes_total",
      help: "Manifests pushed through Wharf (manifest PUT answered 201), by project.",
      labelNames: ["project"] as const,
      registers: [registry],
    }),
    pulls: new Counter({
      name: "wharf_pulls_total",
      help: "Manifests pulled through Wharf (manifest GET answered 200), by project.",
      labelNames: ["project"] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: "wharf_auth_failures_total",
      help: "Refused sign-ins: console passwords and registry credentials (token service, Basic auth), by where they were tried.",
      labelNames: ["via"] as const,
      registers: [registry],
    }),
    jobAttempts: new Histogram({
      name: "wharf_job_attempt_duration_seconds",
      help: "Job attempts by job and outcome (succeeded, failed, awaiting_children), with their duration.",
      // job_name, not job: Prometheus gives every scraped series a `job` label of its own.
      labelNames: ["job_name", "outcome"] as const,
      buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600],
      registers: [registry],
    }),
    jobRuns: new Gauge({
      name: "wharf_job_runs",
      help: "Job runs in Postgres by job and status (queued, running), read at scrape time.",
      labelNames: ["job_name", "status"] as const,
      registers: [registry],
    }),
    storageUsed: new Gauge({
      name: "wharf_project_storage_bytes",
      help: "Storage each project uses as its quota counts it (the distinct blobs its artifacts reference), read at scrape time.",
      labelNames: ["project"] as const,
      registers: [registry],
    }),
    indexSize: new Gauge({
      name: "wharf_index_objects",
      help: "Rows in the artifact index by kind (projects, repositories, artifacts, tags), read at scrape time.",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    registryFilesystem: new Gauge({
      name: "wharf_registry_filesystem_bytes",
      help: "The backing registry's storage filesystem (Wharf's own registry only): size and used bytes, read at scrape time.",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    scrapeErrors: new Counter({
      name: "wharf_metrics_scrape_errors_total",
      help: "Scrapes whose read of Postgres or of the registry filesystem failed (the gauges keep their last values).",
      registers: [registry],
    }),
  };
  return metrics;
}

export type WharfMetrics = ReturnType<typeof createMetrics>;

const state = globalThis as unknown as { wharfMetrics?: WharfMetrics };

export function wharfMetrics(): WharfMetrics {
  state.wharfMetrics ??= createMetrics();
  return state.wharfMetrics;
}

/**
 * What a registry target is, for the request metrics: `/v2/<name>/manifests/<ref>` → manifest,
 * and so on; the project (a name's first segment) only where the caller may have meant one.
 */
export function classifyRegistryTarget(target: string): { operation: RegistryOperation; project: string | null } {
  const question = target.indexOf("?");
  const pathname = question < 0 ? target : target.slice(0, question);
  if (pathname === "/service/token") return { operation: "token", project: null };
  if (pathname === "/v2" || pathname === "/v2/") return { operation: "ping", project: null };
  if (pathname === "/v2/_catalog") return { operation: "catalog", project: null };
  const match = /^\/v2\/(.+)\/(manifests|blobs\/uploads|blobs|tags|referrers)(\/|$)/.exec(pathname);
  if (!match) return { operation: "other", project: null };
  const project = match[1]!.split("/")[0] ?? null;
  const operation: RegistryOperation =
    match[2] === "manifests" ? "manifest" : match[2] === "blobs/uploads" ? "upload" : match[2] === "blobs" ? "blob" : match[2] === "tags" ? "tags" : "referrers";
  return { operation, project };
}

/** One registry request, when its answer's head has been written. */
export function recordRegistryRequest(target: string, method: string, status: number, seconds: number): void {
  const m = wharfMetrics();
  const { operation, project } = classifyRegistryTarget(target);
  const verb = ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"].includes(method) ? method : "OTHER";
  m.registryRequests.inc({ operation, method: verb, code: String(status) });
  m.registryRequestDuration.observe({ operation, method: verb }, seconds);
  // Only answers that reached the project count for it: a refused or unknown name never becomes a
  // label (anyone could otherwise fill the label set with made-up names).
  if (project && operation === "manifest") {
    if (method === "PUT" && status === 201) m.pushes.inc({ project });
    if (method === "GET" && status === 200) m.pulls.inc({ project });
  }
}

export function recordAuthFailure(via: "console" | "registry"): void {
  wharfMetrics().authFailures.inc({ via });
}

export function recordJobAttempt(job: string, outcome: "succeeded" | "failed" | "awaiting_children", seconds: number): void {
  wharfMetrics().jobAttempts.observe({ job_name: job, outcome }, seconds);
}
