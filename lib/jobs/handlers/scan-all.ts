import type { JobHandler } from "@/lib/jobs/define-job";
import type { ScanAllPayload } from "@/lib/jobs/definitions";
import { runScanAll } from "@/lib/services/scan/scan-all";

/**
 * One attempt of a `scan.all` run: queues the scans in batches (a retried attempt resumes after the
 * last batch) and hands the run to them; it ends when the last scan has.
 */
const handleScanAll: JobHandler<ScanAllPayload> = (ctx) => runScanAll(ctx);

export default handleScanAll;
