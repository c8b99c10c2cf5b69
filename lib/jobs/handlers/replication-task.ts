import type { JobHandler } from "@/lib/jobs/define-job";
import type { ReplicationTaskPayload } from "@/lib/jobs/definitions";
import { runReplicationTask } from "@/lib/services/replication/execute";

/** One attempt of a replication task: copies one artifact with its tags. */
const handleReplicationTask: JobHandler<ReplicationTaskPayload> = (ctx) => runReplicationTask(ctx);

export default handleReplicationTask;
