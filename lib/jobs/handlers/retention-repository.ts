import type { JobHandler } from "@/lib/jobs/define-job";
import type { RetentionRepositoryPayload } from "@/lib/jobs/definitions";
import { runRetentionTask } from "@/lib/services/retention/execute";

/** One attempt of a retention task; a retried attempt continues with the deletions not yet done. */
const handleRetentionRepository: JobHandler<RetentionRepositoryPayload> = (ctx) => runRetentionTask(ctx);

export default handleRetentionRepository;
