import "server-only";
import type { DbTransaction } from "@/lib/db/client";
import { projectsWanting, queueWebhookEvent } from "@/lib/services/webhooks/notify";
import { type HarborArtifactInfo, type HarborWebhookPayload, registryHostname, seconds } from "@/lib/services/webhooks/payload";
import { getServerEnv } from "@/lib/env";

/**
 * REPLICATION: queued in the transaction that settles a replication execution
 * (lib/services/replication/execute.ts, settleExecution), for the Wharf side's projects: the
 * source projects of a push policy, the destination projects of a pull policy. Harbor's
 * `event_data.replication` shape (job status, policy description, trigger, both ends, the
 * artifacts that succeeded and failed as `name_tag`).
 *
 * Harbor sends one event per task (per artifact); a 10,000-artifact run would post 10,000 messages
 * into a Slack channel. Wharf sends one per execution and project, listing that project's
 * artifacts (the first {@link ARTIFACTS_MAX} of each list; `custom_attributes` counts the rest), so
 * a receiver reads the same fields, once. A retry of the failed tasks settles again and sends again.
 */
export const ARTIFACTS_MAX = 1000;

const TRIGGER: Record<string, string> = { manual: "MANUAL", scheduled: "SCHEDULED", event_based: "EVENT_BASED" };
const JOB_STATUS: Record<string, string> = { Succeed: "Success", Failed: "Error", Stopped: "Stopped" };

function projectOf(repository: string): string {
  return repository.slice(0, repository.indexOf("/"));
}

function nameTag(repository: string, tags: string[], digest: string): string {
  const name = repository.slice(repository.indexOf("/") + 1);
  return tags.length > 0 ? `${name}:${tags[0]}` : `${name}@${digest}`;
}

export async function queueReplicationWebhooks(tx: DbTransaction, executionId: number): Promise<void> {
  const execution = await tx.replicationExecution.findUnique({
    where: { id: executionId },
    select: {
      status: true,
      trigger: true,
      triggeredBy: true,
      startedAt: true,
      endedAt: true,
      policy: { select: { direction: true, description: true, override: true, endpoint: { select: { name: true, type: true, url: true, credentialType: true } } } },
    },
  });
  if (!execution) return;
  const { policy } = execution;
  const local = policy.direction === "push" ? "srcRepository" : "dstRepository";
  const tasks = await tx.replicationTask.findMany({
    where: { executionId, operation: { in: ["copy", "delete"] }, status: { in: ["Succeed", "Failed"] } },
    select: { resourceType: true, srcRepository: true, dstRepository: true, digest: true, tags: true, status: true, log: true },
    orderBy: { id: "asc" },
  });
  const byProject = new Map<string, typeof tasks>();
  for (const task of tasks) {
    const name = projectOf(task[local]);
    byProject.set(name, [...(byProject.get(name) ?? []), task]);
  }
  if (byProject.size === 0) return;
  const projects = await tx.project.findMany({ where: { name: { in: [...byProject.keys()] } }, select: { id: true, name: true } });
  const wanting = await projectsWanting(tx, projects.map((p) => p.id), "REPLICATION");
  const localEnd = { registry_type: "harbor", endpoint: getServerEnv().externalUrl };
  const remoteEnd = { registry_name: policy.endpoint.name, registry_type: policy.endpoint.type, endpoint: policy.endpoint.url };
  for (const project of projects) {
    if (!wanting.has(project.id)) continue;
    const own = byProject.get(project.name) ?? [];
    const info = (status: string) =>
      own
        .filter((t) => t.status === status)
        .map((t): HarborArtifactInfo => ({
          type: t.resourceType,
          status: t.status,
          name_tag: nameTag(t[local], t.tags, t.digest),
          ...(status === "Failed" ? { fail_reason: lastLine(t.log) } : {}),
        }));
    const succeeded = info("Succeed");
    const failed = info("Failed");
    const remoteNamespace = projectOf(own[0]![policy.direction === "push" ? "dstRepository" : "srcRepository"]);
    const payload: HarborWebhookPayload = {
      type: "REPLICATION",
      occur_at: seconds(execution.endedAt ?? new Date()),
      operator: execution.triggeredBy,
      event_data: {
        replication: {
          harbor_hostname: registryHostname(),
          job_status: JOB_STATUS[execution.status] ?? execution.status,
          description: policy.description,
          artifact_type: own[0]!.resourceType,
          authentication_type: policy.endpoint.credentialType,
          override_mode: policy.override,
          trigger_type: TRIGGER[execution.trigger] ?? execution.trigger,
          execution_timestamp: seconds(execution.startedAt),
          src_resource: policy.direction === "push" ? { ...localEnd, namespace: project.name } : { ...remoteEnd, namespace: remoteNamespace },
          dest_resource: policy.direction === "push" ? { ...remoteEnd, namespace: remoteNamespace } : { ...localEnd, namespace: project.name },
          ...(succeeded.length ? { successful_artifact: succeeded.slice(0, ARTIFACTS_MAX) } : {}),
          ...(failed.length ? { failed_artifact: failed.slice(0, ARTIFACTS_MAX) } : {}),
        },
        ...(succeeded.length > ARTIFACTS_MAX || failed.length > ARTIFACTS_MAX
          ? { custom_attributes: { succeeded: String(succeeded.length), failed: String(failed.length), listed_at_most: String(ARTIFACTS_MAX) } }
          : {}),
      },
    };
    await queueWebhookEvent(tx, project.id, payload);
  }
}

/** A failed task's reason: the last line of its log (`failed: …`). */
function lastLine(log: string): string {
  const lines = log.trimEnd().split("\n");
  return (lines[lines.length - 1] ?? "").replace(/^\S+ /, "").slice(0, 512);
}
