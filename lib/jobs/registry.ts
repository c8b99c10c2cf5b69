import type { JobDefinition } from "@/lib/jobs/define-job";
import { deleteRepositoryJob, proxyCacheExpireJob, drainArtifactEventsJob, purgeAuditJob, reconcileIndexJob, registryGcJob, replicationRunJob, replicationScheduleJob, replicationTaskJob, artifactScanJob, scanAdapterJob, retentionRepositoryJob, retentionRunJob, retentionScheduleJob, scanAllJob, vulnDbImportJob, vulnReevaluateJob, webhookDeliverJob } from "@/lib/jobs/definitions";

/**
 * Every job Wharf runs. The worker registers each (one pg-boss queue, `concurrency` polling
 * loops), pg-boss's queues are created from it, and the lease sweeper knows the queues by it.
 * A new job: define it with defineJob and add it here.
 */
export const JOB_REGISTRY: readonly JobDefinition<unknown>[] = [
  reconcileIndexJob,
  purgeAuditJob,
  deleteRepositoryJob,
  drainArtifactEventsJob,
  retentionRunJob,
  retentionRepositoryJob,
  retentionScheduleJob,
  replicationRunJob,
  replicationTaskJob,
  replicationScheduleJob,
  vulnDbImportJob,
  scanAdapterJob,
  artifactScanJob,
  vulnReevaluateJob,
  scanAllJob,
  registryGcJob,
  webhookDeliverJob,
  proxyCacheExpireJob,
];
