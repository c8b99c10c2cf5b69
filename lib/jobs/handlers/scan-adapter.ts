import type { JobHandler } from "@/lib/jobs/define-job";
import type { ScanAdapterPayload } from "@/lib/jobs/definitions";
import { runScanRequest } from "@/lib/services/scan/adapter-requests";

/**
 * One scan request of Wharf's built-in adapter: the image is pulled through the registry URL and
 * Authorization the request carried, its inventory kept per digest. A failure marks the request
 * failed with its message (the report answers 500 with it) and fails the run.
 */
const handleScanAdapter: JobHandler<ScanAdapterPayload> = async (ctx) => {
  const result = await runScanRequest(ctx.payload.requestId, (line) => ctx.log(line));
  await ctx.report({ done: 1, total: 1, result });
  return result;
};

export default handleScanAdapter;
