import type { JobHandler } from "@/lib/jobs/define-job";
import type { ArtifactScanPayload } from "@/lib/jobs/definitions";
import { runArtifactScan } from "@/lib/services/scan/artifact-scans";

/**
 * One scan of one artifact by one scanner (lib/services/scan/artifact-scans.ts). The report row
 * holds the outcome either way; a failed scan also fails the run with the report's message, a
 * stopped one ends the run with `stopped: true` in its result.
 */
const handleArtifactScan: JobHandler<ArtifactScanPayload> = async (ctx) => {
  const outcome = await runArtifactScan(ctx.payload, { log: (line) => ctx.log(line), signal: ctx.signal });
  if (outcome.status === "failed") throw new Error(outcome.error);
  // A stopped scan is no failure of the run: its result says stopped (scan all's metrics count it so).
  const result = outcome.status === "stopped" ? { reportId: ctx.payload.reportId, stopped: true } : { reportId: ctx.payload.reportId, vulnerabilities: outcome.vulnerabilities };
  await ctx.report({ done: 1, total: 1, result });
  return result;
};

export default handleArtifactScan;
