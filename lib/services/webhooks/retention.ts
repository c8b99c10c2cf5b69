import "server-only";
import type { DbTransaction } from "@/lib/db/client";
import type { RunSettledHandler } from "@/lib/jobs/define-job";
import { retentionRulesSchema } from "@/lib/policy/retention";
import { retentionRuleToHarbor } from "@/lib/policy/retention-harbor";
import { projectsWanting, queueWebhookEvent } from "@/lib/services/webhooks/notify";
import { type HarborArtifactInfo, registryHostname, seconds } from "@/lib/services/webhooks/payload";

/** At most this many deleted artifacts are listed in one event; `custom_attributes` counts them all. */
export const DELETED_LISTED_MAX = 1000;

/**
 * TAG_RETENTION: queued when a real (not dry) retention execution has ended and deleted at least
 * one artifact (as Harbor, which sends nothing for a dry run or a run that deleted nothing), in the
 * transaction that ends its `retention.run` run (the job's `settled` callback). Harbor's
 * `event_data.retention` shape: totals, the project, the policy, its rules, the result and the
 * deleted artifacts as `name_tag`. Harbor sends one event per repository task; Wharf one per execution,
 * listing every repository's deletions (the first {@link DELETED_LISTED_MAX}).
 */
export const queueRetentionWebhook: RunSettledHandler = async (tx, run) => {
  const execution = await tx.retentionExecution.findUnique({
    where: { runId: run.id },
    select: { id: true, policyId: true, projectId: true, dryRun: true, trigger: true, rules: true },
  });
  if (!execution || execution.dryRun) return;
  if (!(await projectsWanting(tx, [execution.projectId], "TAG_RETENTION")).has(execution.projectId)) return;
  const deleted = await deletedArtifacts(tx, execution.id);
  if (deleted.count === 0) return;
  const [project, total, retained] = await Promise.all([
    tx.project.findUnique({ where: { id: execution.projectId }, select: { name: true } }),
    tx.retentionResult.count({ where: { executionId: execution.id } }),
    tx.retentionResult.count({ where: { executionId: execution.id, decision: "retain" } }),
  ]);
  if (!project) return;
  const result = run.status === "succeeded" ? "SUCCESS" : "FAILED";
  await queueWebhookEvent(tx, execution.projectId, {
    type: "TAG_RETENTION",
    occur_at: seconds(new Date()),
    operator: execution.trigger,
    event_data: {
      retention: {
        total,
        retained,
        harbor_hostname: registryHostname(),
        project_name: project.name,
        retention_policy_id: execution.policyId,
        result,
        deleted_artifact: deleted.listed.map((d): HarborArtifactInfo => ({ type: "image", status: "SUCCESS", name_tag: d })),
        // The rules the execution ran with (fixed when it started), as Harbor's REST shows them.
        retention_rule: retentionRulesSchema.parse(execution.rules).map(retentionRuleToHarbor),
      },
      ...(deleted.count > DELETED_LISTED_MAX ? { custom_attributes: { deleted: String(deleted.count), listed_at_most: String(DELETED_LISTED_MAX) } } : {}),
    },
  });
};

/** `name:tag` (or `name@digest` when it had no tag) of what the execution deleted, without the project, as Harbor writes it. */
async function deletedArtifacts(tx: DbTransaction, executionId: number): Promise<{ count: number; listed: string[] }> {
  const where = { executionId, decision: "remove", deletedAt: { not: null } } as const;
  const [count, rows] = await Promise.all([
    tx.retentionResult.count({ where }),
    tx.retentionResult.findMany({ where, select: { repository: true, digest: true, tags: true }, orderBy: { id: "asc" }, take: DELETED_LISTED_MAX }),
  ]);
  const listed = rows.map((r) => {
    const name = r.repository.slice(r.repository.indexOf("/") + 1);
    return r.tags.length > 0 ? `${name}:${r.tags[0]}` : `${name}@${r.digest}`;
  });
  return { count, listed };
}
