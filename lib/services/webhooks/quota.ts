import "server-only";
import { type Actor, actorName } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { projectsWanting, queueWebhookEvent } from "@/lib/services/webhooks/notify";
import { type HarborWebhookPayload, repositoryPart, seconds } from "@/lib/services/webhooks/payload";

/**
 * QUOTA_EXCEED: a push (through /v2 or a tar import) refused because the project's storage quota
 * would be exceeded. Harbor's payload: the repository, the artifact when known (a refused
 * manifest; a refused blob upload names none) and `custom_attributes.Details`, the refusal in
 * words.
 *
 * A refused client retries (docker tries each manifest PUT several times, CI loops), so the same
 * refusal (project, repository, digest) is sent at most once a minute, as the audit log counts
 * repeats instead of writing a row each (recordRefusal). A transaction-scoped advisory lock on
 * that key makes two refusals at the same moment queue one delivery.
 *
 * Called on the refusal's path, after the decision: it only queues (one row and one job per
 * policy, none when no policy asks for the type), never sends, and a failure to queue is logged,
 * never turned into another error for the client.
 */
export async function queueQuotaExceededWebhook(input: {
  actor: Actor;
  projectId: number;
  repository: string;
  digest: string | null;
  tag: string | null;
  details: string;
}): Promise<void> {
  try {
    if (!(await projectsWanting(db, [input.projectId], "QUOTA_EXCEED")).has(input.projectId)) return;
    await db.$transaction(async (tx) => {
      const key = `quota-exceed:${input.projectId}:${input.repository}:${input.digest ?? ""}`;
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
      const recent = await tx.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM webhook_deliveries d JOIN webhook_policies p ON p.id = d.policy_id
        WHERE p.project_id = ${input.projectId} AND d.event_type = 'QUOTA_EXCEED' AND d.created_at > now() - interval '1 minute'
          AND d.payload->'event_data'->'repository'->>'repo_full_name' = ${input.repository}
          AND coalesce(d.payload->'event_data'->'resources'->0->>'digest', '') = ${input.digest ?? ""}`;
      if ((recent[0]?.n ?? 0) > 0) return;
      const project = await tx.project.findUnique({ where: { id: input.projectId }, select: { isPublic: true } });
      if (!project) return;
      await queueWebhookEvent(tx, input.projectId, quotaExceededPayload({ ...input, at: new Date(), operator: actorName(input.actor), isPublic: project.isPublic }));
    });
  } catch (error) {
    console.error("wharf: could not queue the QUOTA_EXCEED webhook", error);
  }
}

export function quotaExceededPayload(input: {
  at: Date;
  operator: string;
  repository: string;
  isPublic: boolean;
  digest: string | null;
  tag: string | null;
  details: string;
}): HarborWebhookPayload {
  return {
    type: "QUOTA_EXCEED",
    occur_at: seconds(input.at),
    operator: input.operator,
    event_data: {
      ...(input.digest ? { resources: [{ digest: input.digest, tag: input.tag ?? "" }] } : {}),
      repository: repositoryPart(input.repository, input.isPublic),
      custom_attributes: { Details: input.details },
    },
  };
}
