import "server-only";
import { systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import type { AwaitingChildren, JobContext } from "@/lib/jobs/define-job";
import { type RetentionRepositoryPayload, retentionRepositoryJob, type RetentionRunPayload } from "@/lib/jobs/definitions";
import { retentionRulesSchema } from "@/lib/policy/retention";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { RegistryError } from "@/lib/registry/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { removeManifest } from "@/lib/services/repositories/index-manifest";
import { planRepository } from "@/lib/services/retention/plan-repository";
import { immutableTagGuardFor } from "@/lib/services/tag-policy/decision";

const JOB_ACTOR = systemActor("retention");

async function loadExecution(executionId: number) {
  const execution = await db.retentionExecution.findUnique({
    where: { id: executionId },
    select: { id: true, projectId: true, dryRun: true, rules: true, startedAt: true, stoppedAt: true },
  });
  if (!execution) throw new Error(`retention execution #${executionId} is gone`);
  return { ...execution, rules: retentionRulesSchema.parse(execution.rules) };
}

/** The `retention.run` run: one task per repository of the project as it is now, in id order. */
export async function runRetentionExecution({ payload, fanOut, log }: JobContext<RetentionRunPayload>): Promise<AwaitingChildren> {
  const execution = await loadExecution(payload.executionId);
  if (execution.stoppedAt) {
    log("stopped before it started");
    return fanOut(retentionRepositoryJob, []);
  }
  const repositories = await db.repository.findMany({ where: { projectId: execution.projectId, deletingAt: null }, select: { id: true, name: true }, orderBy: { id: "asc" } });
  log(`${execution.dryRun ? "dry run" : "run"} of ${execution.rules.length} rule(s) over ${repositories.length} repositories, as of ${execution.startedAt.toISOString()}`);
  return fanOut(
    retentionRepositoryJob,
    repositories.map((r) => ({ executionId: execution.id, repositoryId: r.id, repository: r.name })),
  );
}

export type RetentionTaskResult = { total: number; removed: number; deleted: number; stopped: boolean };

async function stopped(executionId: number): Promise<boolean> {
  const row = await db.retentionExecution.findUnique({ where: { id: executionId }, select: { stoppedAt: true } });
  return row?.stoppedAt != null;
}

/**
 * One repository of an execution. Its first attempt plans (planRepository, the same function for
 * dry and real runs) and records every decision in one step; a real run then deletes the removed
 * artifacts in that order, each through the registry first, then one step that removes it from the
 * index, marks its result deleted and writes its `artifact.delete` audit row. A retried attempt
 * finds the recorded plan and continues with what is not marked deleted, so nothing is deleted
 * twice and nothing is decided again on a changed state.
 *
 * Just before each deletion the artifact is read again: if a tag was pushed onto it after the run
 * started, one of its tags is now protected by an immutability rule (read past the cache), or it
 * is gone, it is left alone and its result says so.
 */
export async function runRetentionTask({ payload, step, report, log }: JobContext<RetentionRepositoryPayload>): Promise<RetentionTaskResult> {
  const execution = await loadExecution(payload.executionId);
  const { repositoryId, repository } = payload;
  const recorded = await db.retentionResult.count({ where: { executionId: execution.id, repositoryId } });
  if (recorded === 0) {
    if (execution.stoppedAt) {
      log("stopped before this repository was evaluated");
      return { total: 0, removed: 0, deleted: 0, stopped: true };
    }
    // Read past the cache: a rule added a moment ago must already count (dry and real runs alike).
    const immutable = await immutableTagGuardFor({ projectId: execution.projectId, repository, fresh: true });
    await step(
      async (tx) => {
        const plan = await planRepository(tx, { repositoryId, repository, rules: execution.rules, startedAt: execution.startedAt, immutable });
        await tx.retentionResult.createMany({
          data: plan.map((p) => ({ executionId: execution.id, repositoryId, repository, digest: p.digest, tags: p.tags, decision: p.decision, reason: p.reason })),
        });
        return plan;
      },
      (plan) => {
        const removed = plan.filter((p) => p.decision === "remove").length;
        return { done: 0, total: execution.dryRun ? 0 : removed, checkpoint: "planned", log: `${repository}: ${plan.length} artifact(s), ${removed} ${execution.dryRun ? "would be" : "to be"} removed` };
      },
    );
  } else log(`resuming: ${repository}'s decisions were recorded by an earlier attempt`);

  const [total, removed] = await Promise.all([
    db.retentionResult.count({ where: { executionId: execution.id, repositoryId } }),
    db.retentionResult.count({ where: { executionId: execution.id, repositoryId, decision: "remove" } }),
  ]);
  if (execution.dryRun) return { total, removed, deleted: 0, stopped: false };

  const pending = await db.retentionResult.findMany({
    where: { executionId: execution.id, repositoryId, decision: "remove", deletedAt: null },
    orderBy: { id: "asc" },
    select: { id: true, digest: true },
  });
  let deleted = removed - pending.length;
  await report({ done: deleted, total: removed });
  const startMs = execution.startedAt.getTime();
  for (const item of pending) {
    if (await stopped(execution.id)) {
      log(`stopped: ${deleted} of ${removed} deleted in ${repository}`);
      return { total, removed, deleted, stopped: true };
    }
    const now = await db.artifact.findUnique({
      where: { repositoryId_digest: { repositoryId, digest: item.digest } },
      select: { pushedAt: true, tags: { select: { name: true, pushedAt: true } } },
    });
    if (!now) {
      // Gone already (deleted with its index by the registry, or by someone else): nothing to do.
      await step((tx) => tx.retentionResult.update({ where: { id: item.id }, data: { reason: "already gone when the run reached it" }, select: { id: true } }), {});
      continue;
    }
    if (now.pushedAt.getTime() > startMs || now.tags.some((t) => t.pushedAt.getTime() > startMs)) {
      await step(
        (tx) =>
          tx.retentionResult.update({ where: { id: item.id }, data: { decision: "retain", reason: "a tag was pushed onto it after the run started" }, select: { id: true } }),
        { log: `kept ${item.digest}: pushed to after the run started` },
      );
      continue;
    }
    // An immutability rule added (or a protected tag pushed) since the plan: it stays.
    const guard = await immutableTagGuardFor({ projectId: execution.projectId, repository, fresh: true });
    const guarded = now.tags.map((t) => ({ tag: t.name, rule: guard(t.name) })).find((g) => g.rule !== null);
    if (guarded) {
      const reason = `tag ${guarded.tag} is protected by ${guarded.rule!.description}`;
      await step((tx) => tx.retentionResult.update({ where: { id: item.id }, data: { decision: "retain", reason: reason.slice(0, 1024) }, select: { id: true } }), {
        log: `kept ${item.digest}: ${reason}`,
      });
      continue;
    }
    try {
      await getBackingRegistry().deleteManifest(repository, item.digest);
    } catch (error) {
      // Already gone in the registry (an earlier attempt, or behind Wharf's back): the index follows.
      if (!(error instanceof RegistryError && error.status === 404)) throw error;
    }
    deleted += 1;
    await step(
      async (tx) => {
        await removeManifest(tx, { repository, digest: item.digest, actor: JOB_ACTOR });
        await tx.retentionResult.update({ where: { id: item.id }, data: { deletedAt: new Date() }, select: { id: true } });
        await recordAuditEvent(tx, {
          actor: JOB_ACTOR,
          action: "artifact.delete",
          resource: { type: "artifact", name: `${repository}@${item.digest}` },
          projectId: execution.projectId,
          detail: { digest: item.digest, tags: now.tags.map((t) => t.name), retentionExecutionId: execution.id },
        });
      },
      { done: deleted, checkpoint: item.digest },
    );
  }
  log(`${repository}: ${deleted} of ${removed} deleted`);
  return { total, removed, deleted, stopped: false };
}
