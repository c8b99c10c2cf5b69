import type { JobHandler } from "@/lib/jobs/define-job";
import type { VulnReevaluatePayload } from "@/lib/jobs/definitions";
import { runReevaluation } from "@/lib/services/scan/reevaluate";

/** One attempt of a `scan.reevaluate` run; a retried attempt resumes after the last batch recorded. */
const handleVulnReevaluate: JobHandler<VulnReevaluatePayload> = (ctx) => runReevaluation(ctx);

export default handleVulnReevaluate;
