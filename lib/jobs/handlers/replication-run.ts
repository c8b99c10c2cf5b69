import type { JobHandler } from "@/lib/jobs/define-job";
import type { ReplicationRunPayload } from "@/lib/jobs/definitions";
import { runReplicationExecution } from "@/lib/services/replication/execute";

/** One attempt of a `replication.run` run: plans and queues its tasks (a retried attempt plans nothing again). */
const handleReplicationRun: JobHandler<ReplicationRunPayload> = (ctx) => runReplicationExecution(ctx);

export default handleReplicationRun;
