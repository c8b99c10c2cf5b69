import type { JobHandler } from "@/lib/jobs/define-job";
import type { RetentionRunPayload } from "@/lib/jobs/definitions";
import { runRetentionExecution } from "@/lib/services/retention/execute";

/** One attempt of a `retention.run` run: queues its tasks (a retried attempt queues none again). */
const handleRetentionRun: JobHandler<RetentionRunPayload> = (ctx) => runRetentionExecution(ctx);

export default handleRetentionRun;
