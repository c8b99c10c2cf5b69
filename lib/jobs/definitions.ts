import { z } from "zod";
import { defineJob } from "@/lib/jobs/define-job";

/**
 * Wharf's jobs. A service imports these to queue a run; the handlers load only in the worker,
 * when an attempt starts. Every definition is also listed in lib/jobs/registry.ts.
 */

const reconcileIndexPayload = z.object({});
export type ReconcileIndexPayload = z.infer<typeof reconcileIndexPayload>;

export const reconcileIndexJob = defineJob<ReconcileIndexPayload>({
  id: "index.reconcile",
  version: 1,
  payload: reconcileIndexPayload,
  retryLimit: 2,
  retryDelaySeconds: 30,
  // A walk of 10,000 repositories is minutes, not hours; well above it, so a slow registry is not cut.
  expireInSeconds: 4 * 3600,
  // It walks the whole registry: a second one at once (a manual run and the cron's) would only race it.
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/reconcile-index"),
});

const proxyCacheExpirePayload = z.object({});
export type ProxyCacheExpirePayload = z.infer<typeof proxyCacheExpirePayload>;

/** Removes cached artifacts of proxy-cache projects nobody pulled for the project's days (hourly). */
export const proxyCacheExpireJob = defineJob<ProxyCacheExpirePayload>({
  id: "proxy-cache.expire",
  version: 1,
  payload: proxyCacheExpirePayload,
  retryLimit: 2,
  retryDelaySeconds: 60,
  // At most 500 deletes per project a run; an hour leaves room for a slow registry.
  expireInSeconds: 3600,
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/proxy-cache-expire"),
});

const purgeAuditPayload = z.object({
  /** Fixed when an administrator queued it; a scheduled run takes the policy's when it starts. */
  cutoff: z.iso.datetime().optional(),
  retentionDays: z.number().int().positive().optional(),
  trigger: z.literal("manual").optional(),
});
export type PurgeAuditPayload = z.infer<typeof purgeAuditPayload>;

export const purgeAuditJob = defineJob<PurgeAuditPayload>({
  id: "audit.purge",
  version: 1,
  payload: purgeAuditPayload,
  retryLimit: 2,
  retryDelaySeconds: 30,
  // Batches of 10,000 rows: 2,000,000 rows are a few minutes; an hour leaves room for a slow disk.
  expireInSeconds: 3600,
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/purge-audit"),
});

const deleteRepositoryPayload = z.object({
  repositoryId: z.number().int().positive(),
  repository: z.string().min(1).max(255),
  projectId: z.number().int().positive(),
  /** Who asked, for the run's log (the request's `repository.delete` audit row names them). */
  requestedBy: z.string().max(255),
});
export type DeleteRepositoryPayload = z.infer<typeof deleteRepositoryPayload>;

export const deleteRepositoryJob = defineJob<DeleteRepositoryPayload>({
  id: "repository.delete",
  version: 1,
  payload: deleteRepositoryPayload,
  retryLimit: 5,
  retryDelaySeconds: 30,
  // A manifest delete is one registry request; 100,000 manifests fit well inside two hours.
  expireInSeconds: 2 * 3600,
  // Each run deletes one repository; two at once per process keep the registry from being flooded.
  concurrency: 2,
  handler: () => import("@/lib/jobs/handlers/delete-repository"),
});

const drainArtifactEventsPayload = z.object({});
export type DrainArtifactEventsPayload = z.infer<typeof drainArtifactEventsPayload>;

/** Hands the artifact events (lib/services/events) to their registered consumers, then prunes. */
export const drainArtifactEventsJob = defineJob<DrainArtifactEventsPayload>({
  id: "artifact-events.drain",
  version: 1,
  payload: drainArtifactEventsPayload,
  retryLimit: 5,
  retryDelaySeconds: 30,
  // Batches of 100 per consumer, 100 batches a run: minutes at most.
  expireInSeconds: 3600,
  // Consumers take turns on their cursor row anyway; one run at a time keeps the order of work plain.
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/drain-artifact-events"),
});

const retentionRunPayload = z.object({
  /** The retention_executions row: it fixes the rules, the evaluation time and dry or real. */
  executionId: z.number().int().positive(),
});
export type RetentionRunPayload = z.infer<typeof retentionRunPayload>;

/** One retention execution over a project: fans out one `retention.repository` task per repository. */
export const retentionRunJob = defineJob<RetentionRunPayload>({
  id: "retention.run",
  version: 1,
  payload: retentionRunPayload,
  retryLimit: 3,
  retryDelaySeconds: 30,
  // It only lists the project's repositories and queues their tasks.
  expireInSeconds: 3600,
  handler: () => import("@/lib/jobs/handlers/retention-run"),
  // TAG_RETENTION webhooks once the last repository's task has ended.
  settled: () => import("@/lib/services/webhooks/retention").then((m) => m.queueRetentionWebhook),
});

const retentionRepositoryPayload = z.object({
  executionId: z.number().int().positive(),
  repositoryId: z.number().int().positive(),
  repository: z.string().min(1).max(255),
});
export type RetentionRepositoryPayload = z.infer<typeof retentionRepositoryPayload>;

/** One repository of a retention execution (Harbor's task): decide, record, and in a real run delete. */
export const retentionRepositoryJob = defineJob<RetentionRepositoryPayload>({
  id: "retention.repository",
  version: 1,
  payload: retentionRepositoryPayload,
  retryLimit: 5,
  retryDelaySeconds: 30,
  // One registry DELETE per removed manifest: thousands fit well inside two hours.
  expireInSeconds: 2 * 3600,
  // Two repositories at once per process, as repository deletes, so the registry is not flooded.
  concurrency: 2,
  handler: () => import("@/lib/jobs/handlers/retention-repository"),
});

const retentionSchedulePayload = z.object({});
export type RetentionSchedulePayload = z.infer<typeof retentionSchedulePayload>;

/** The minute tick of scheduled retention runs (lib/services/retention/schedule.ts): starts what fired. */
export const retentionScheduleJob = defineJob<RetentionSchedulePayload>({
  id: "retention.schedule",
  version: 1,
  payload: retentionSchedulePayload,
  retryLimit: 1,
  retryDelaySeconds: 10,
  // A few queries and one transaction per project started: well under a minute.
  expireInSeconds: 600,
  // Two instances' ticks would only take turns on each project's lock.
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/retention-schedule"),
});

const replicationRunPayload = z.object({
  /** The replication_executions row; its tasks are written by the run's first attempt. */
  executionId: z.number().int().positive(),
  /** A retry of the failed tasks only: the run fans out those, and plans nothing. */
  retryFailed: z.boolean().default(false),
});
export type ReplicationRunPayload = z.infer<typeof replicationRunPayload>;

/** One replication execution: plans (the preview's path), writes one task per artifact, fans out the copies. */
export const replicationRunJob = defineJob<ReplicationRunPayload>({
  id: "replication.run",
  version: 1,
  payload: replicationRunPayload,
  retryLimit: 3,
  retryDelaySeconds: 30,
  // Lists the source (one HEAD per tag) and queues the tasks.
  expireInSeconds: 3600,
  handler: () => import("@/lib/jobs/handlers/replication-run"),
});

const replicationTaskPayload = z.object({ taskId: z.number().int().positive() });
export type ReplicationTaskPayload = z.infer<typeof replicationTaskPayload>;

/** One artifact of a replication execution (Harbor's task): copied with the copy engine, tag by tag. */
export const replicationTaskJob = defineJob<ReplicationTaskPayload>({
  id: "replication.task",
  version: 1,
  payload: replicationTaskPayload,
  // The copy engine retries requests itself; a failed task is retried by hand (retry failed).
  retryLimit: 0,
  retryDelaySeconds: 30,
  expireInSeconds: 2 * 3600,
  // Artifacts copy side by side; each policy's copy parallelism bounds its own copies further.
  concurrency: 4,
  handler: () => import("@/lib/jobs/handlers/replication-task"),
});

const replicationSchedulePayload = z.object({});
export type ReplicationSchedulePayload = z.infer<typeof replicationSchedulePayload>;

/** The minute tick of scheduled replication runs (lib/services/replication/schedule.ts): starts what fired. */
export const replicationScheduleJob = defineJob<ReplicationSchedulePayload>({
  id: "replication.schedule",
  version: 1,
  payload: replicationSchedulePayload,
  retryLimit: 1,
  retryDelaySeconds: 10,
  expireInSeconds: 600,
  // Two instances' ticks would only take turns on each policy's lock.
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/replication-schedule"),
});

const vulnDbImportPayload = z.object({
  /** The vuln_db_imports row this run fills in. */
  importId: z.number().int().positive(),
  /** A folder of OSV JSON records, or an osv.dev all.zip, on this machine. */
  kind: z.enum(["folder", "zip"]),
  path: z.string().min(1).max(4096),
});
export type VulnDbImportPayload = z.infer<typeof vulnDbImportPayload>;

export const vulnDbImportJob = defineJob<VulnDbImportPayload>({
  id: "scan.vuln_db_import",
  version: 1,
  payload: vulnDbImportPayload,
  // A retried attempt reads the source again; records already written count as unchanged.
  retryLimit: 2,
  retryDelaySeconds: 60,
  // osv.dev's largest ecosystem zips hold a few hundred thousand records.
  expireInSeconds: 3 * 3600,
  // Two imports at once would race on the same advisories.
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/vuln-db-import"),
});

const scanAdapterPayload = z.object({
  /** The scan_adapter_requests row (the scan_request_id the built-in adapter handed back). */
  requestId: z.uuid(),
});
export type ScanAdapterPayload = z.infer<typeof scanAdapterPayload>;

/** The built-in adapter's work for one scan request: pull through the request's registry, keep the inventory. */
export const scanAdapterJob = defineJob<ScanAdapterPayload>({
  id: "scan.adapter_scan",
  version: 1,
  payload: scanAdapterPayload,
  // The caller's token is short-lived and the caller polls with its own timeout: a failure is final
  // and reported (500 on the report), and the caller scans again.
  retryLimit: 0,
  retryDelaySeconds: 10,
  // Layers are streamed, memory bounded; even a few GB is well inside an hour.
  expireInSeconds: 3600,
  concurrency: 2,
  handler: () => import("@/lib/jobs/handlers/scan-adapter"),
});

const artifactScanPayload = z.object({
  /** The scan_reports row: artifact digest, repository, scanner and report MIME type. */
  reportId: z.number().int().positive(),
  tag: z.string().max(255).optional(),
  artifactMimeType: z.string().max(255).optional(),
  /** The whole scan (request, pulls, polls); the scanner token lives as long. */
  timeoutSeconds: z.number().int().positive().max(24 * 3600),
});
export type ArtifactScanPayload = z.infer<typeof artifactScanPayload>;

/** Wharf as a scanner adapter's client: one artifact, one scanner, one report MIME type. */
export const artifactScanJob = defineJob<ArtifactScanPayload>({
  id: "scan.artifact",
  version: 1,
  payload: artifactScanPayload,
  // A failed scan is shown with its message and scanned again by hand (or by the next scan all).
  retryLimit: 0,
  retryDelaySeconds: 30,
  expireInSeconds: 2 * 3600,
  // Mostly waiting on adapters: several at once per process.
  concurrency: 4,
  handler: () => import("@/lib/jobs/handlers/scan-artifact"),
});

const vulnReevaluatePayload = z.object({
  /** The vuln_db_imports row whose added and changed advisories are evaluated again. */
  importId: z.number().int().positive(),
});
export type VulnReevaluatePayload = z.infer<typeof vulnReevaluatePayload>;

/**
 * After a vulnerability DB import: the built-in scanner's stored reports of the artifacts the
 * import's advisories touch, computed again from the stored inventories (lib/services/scan/reevaluate.ts).
 */
export const vulnReevaluateJob = defineJob<VulnReevaluatePayload>({
  id: "scan.reevaluate",
  version: 1,
  payload: vulnReevaluatePayload,
  // Batches commit with the run's checkpoint; a retried attempt goes on after the last one.
  retryLimit: 2,
  retryDelaySeconds: 30,
  // SQL only, no layer read: thousands of artifacts are minutes.
  expireInSeconds: 2 * 3600,
  // Two imports' re-evaluations at once would only write the same reports twice.
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/vuln-reevaluate"),
});

const scanAllPayload = z.object({
  /** The scan_all_executions row; absent for a run the cron schedule started (it creates its own). */
  executionId: z.number().int().positive().optional(),
});
export type ScanAllPayload = z.infer<typeof scanAllPayload>;

/**
 * Scan all (Harbor's system scan all): queues, in batches, a vulnerability scan by each project's
 * scanner for every image artifact; the scans are its fan-out children (lib/services/scan/scan-all.ts).
 */
export const scanAllJob = defineJob<ScanAllPayload>({
  id: "scan.all",
  version: 1,
  payload: scanAllPayload,
  // Each batch commits with the checkpoint (the last artifact id queued): a retry goes on from there.
  retryLimit: 2,
  retryDelaySeconds: 30,
  // Queueing only; 100,000 artifacts in batches of 200 are minutes.
  expireInSeconds: 3600,
  // The cron's run and a manual one wait for each other; the service refuses a second execution anyway.
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/scan-all"),
});

const registryGcPayload = z.object({
  /** The gc_executions row; absent for a run the cron schedule started (it creates its own). */
  executionId: z.number().int().positive().optional(),
});
export type RegistryGcPayload = z.infer<typeof registryGcPayload>;

/**
 * Registry garbage collection (Harbor's GC): Distribution's garbage-collect, a dry run or a real
 * sweep inside the gateway's read-only window (lib/services/gc/gc.ts).
 */
export const registryGcJob = defineJob<RegistryGcPayload>({
  id: "registry.gc",
  version: 1,
  payload: registryGcPayload,
  // A failed collection is not tried again by itself: an administrator looks at its log first.
  retryLimit: 0,
  retryDelaySeconds: 60,
  // garbage-collect reads every manifest of the registry: hours on a very large one.
  expireInSeconds: 6 * 3600,
  // One at a time across every instance: two sweeps at once would pin and sweep against each other.
  singleton: true,
  handler: () => import("@/lib/jobs/handlers/registry-gc"),
});

const webhookDeliverPayload = z.object({ deliveryId: z.number().int().positive() });
export type WebhookDeliverPayload = z.infer<typeof webhookDeliverPayload>;

/**
 * Sends one webhook delivery (lib/services/webhooks): one POST with a 10 s timeout per attempt;
 * a failed attempt (no answer, or not 2xx) is retried by pg-boss with backing-off delays
 * (15 s, 30 s, 60 s), the delivery's row keeping the attempts, code, duration and last error.
 */
export const webhookDeliverJob = defineJob<WebhookDeliverPayload>({
  id: "webhook.deliver",
  version: 1,
  payload: webhookDeliverPayload,
  retryLimit: 3,
  retryDelaySeconds: 15,
  expireInSeconds: 120,
  // Each attempt waits at most 10 s on its receiver: a few at once, so one slow receiver does not hold up the rest.
  concurrency: 4,
  handler: () => import("@/lib/jobs/handlers/webhook-deliver"),
});
