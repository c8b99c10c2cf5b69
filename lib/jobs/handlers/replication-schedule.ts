import type { JobHandler } from "@/lib/jobs/define-job";
import type { ReplicationSchedulePayload } from "@/lib/jobs/definitions";
import { fireReplicationSchedules } from "@/lib/services/replication/schedule";

/** One tick of the replication schedules: starts the runs whose cron fired (each its own transaction). */
const handleReplicationSchedule: JobHandler<ReplicationSchedulePayload> = ({ log }) => fireReplicationSchedules({ log });

export default handleReplicationSchedule;
