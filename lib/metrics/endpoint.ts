import { clientInfoFromHeaders } from "@/lib/auth/client-info";
import { ForbiddenError, SignInLockedError, UnauthenticatedError } from "@/lib/errors";
import { wharfMetrics } from "@/lib/metrics/metrics";
import { authorizeMetricsScrape, readMetricsSnapshot } from "@/lib/services/system/metrics-snapshot";

/**
 * GET /metrics, served by Wharf's front (lib/runtime/server.ts) beside /v2, so it reads the
 * counters of the process that serves the registry. The gauges are set from one snapshot per
 * scrape; a failed snapshot keeps their last values and counts in wharf_metrics_scrape_errors_total.
 */
export async function handleMetricsRequest(req: Request): Promise<Response> {
  if (req.method !== "GET" && req.method !== "HEAD") return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
  let actor;
  try {
    actor = await authorizeMetricsScrape({ authorization: req.headers.get("authorization"), client: clientInfoFromHeaders(req.headers) });
  } catch (error) {
    if (error instanceof UnauthenticatedError || error instanceof SignInLockedError) {
      return new Response(`${error.message}\n`, { status: 401, headers: { "www-authenticate": 'Bearer realm="wharf-metrics", Basic realm="wharf-metrics"', "content-type": "text/plain" } });
    }
    if (error instanceof ForbiddenError) return new Response("Only administrators and auditors may read the metrics.\n", { status: 403, headers: { "content-type": "text/plain" } });
    throw error;
  }
  const m = wharfMetrics();
  try {
    const snapshot = await readMetricsSnapshot(actor);
    m.jobRuns.reset();
    for (const row of snapshot.jobRuns) m.jobRuns.set({ job_name: row.job, status: row.status }, row.count);
    m.storageUsed.reset();
    for (const row of snapshot.storage) m.storageUsed.set({ project: row.project }, row.bytes);
    for (const [kind, count] of Object.entries(snapshot.index)) m.indexSize.set({ kind }, count);
    m.registryFilesystem.reset();
    if (snapshot.filesystem) {
      m.registryFilesystem.set({ kind: "size" }, snapshot.filesystem.size);
      m.registryFilesystem.set({ kind: "used" }, snapshot.filesystem.used);
    }
  } catch (error) {
    m.scrapeErrors.inc();
    console.error("wharf: metrics: reading the snapshot failed", error);
  }
  const body = await m.registry.metrics();
  return new Response(req.method === "HEAD" ? null : body, { status: 200, headers: { "content-type": m.registry.contentType, "cache-control": "no-store" } });
}
