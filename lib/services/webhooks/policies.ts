import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { actorName } from "@/lib/auth/actor";
import { sealSecret } from "@/lib/crypto/sealed-secret";
import { db } from "@/lib/db/client";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertProjectPermission, findProjectRef, type ProjectRef } from "@/lib/services/authz/project-access";
import type { ProjectPermission } from "@/lib/services/authz/project-roles";
import { containsText } from "@/lib/services/contains-text";
import { skipTake, type Page } from "@/lib/services/pagination";
import { queueDelivery } from "@/lib/services/webhooks/notify";
import { artifactPayload } from "@/lib/services/webhooks/payload";
import { authHeaderSeal } from "@/lib/services/webhooks/seal";
import { pointsAtWharf } from "@/lib/services/webhooks/self-address";
import { fieldErrorsOf } from "@/lib/validation/common";
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TARGET_TYPES, type WebhookEventType, type WebhookPolicyParsed, type WebhookTargetType, ZWebhookPolicyInput } from "@/lib/validation/webhooks";

/**
 * Project webhook policies (Harbor's notification-policy permissions: Project Admins manage them,
 * Maintainers read them), their delivery log and "Send test event". Every change writes one audit
 * row (`webhook_policy.create|update|delete|test`) in its transaction. The auth header is sealed
 * at rest and never answered (only whether there is one).
 */

export type WebhookPolicyView = {
  id: number;
  projectId: number;
  name: string;
  description: string;
  enabled: boolean;
  eventTypes: WebhookEventType[];
  targetType: WebhookTargetType;
  address: string;
  hasAuthHeader: boolean;
  skipCertVerify: boolean;
  creator: string;
  createdAt: Date;
  updatedAt: Date;
  /** When the newest delivery was queued, null when none was. */
  lastTriggeredAt: Date | null;
};

export type WebhookDeliveryView = {
  id: number;
  policyId: number;
  eventType: string;
  trigger: string;
  payload: unknown;
  status: "pending" | "success" | "error";
  attempts: number;
  responseCode: number | null;
  durationMs: number | null;
  lastError: string | null;
  runId: number | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
};

const policySelect = {
  id: true,
  projectId: true,
  name: true,
  description: true,
  enabled: true,
  eventTypes: true,
  targetType: true,
  address: true,
  authHeaderSealed: true,
  skipCertVerify: true,
  creator: true,
  createdAt: true,
  updatedAt: true,
  deliveries: { select: { createdAt: true }, orderBy: { id: "desc" }, take: 1 },
} as const;

type PolicyRow = Prisma.WebhookPolicyGetPayload<{ select: typeof policySelect }>;

function view(row: PolicyRow): WebhookPolicyView {
  const { authHeaderSealed, deliveries, ...rest } = row;
  return {
    ...rest,
    eventTypes: row.eventTypes.filter((t): t is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(t)),
    targetType: (WEBHOOK_TARGET_TYPES as readonly string[]).includes(row.targetType) ? (row.targetType as WebhookTargetType) : "http",
    hasAuthHeader: authHeaderSealed !== null,
    lastTriggeredAt: deliveries[0]?.createdAt ?? null,
  };
}

const deliveryView = (row: Prisma.WebhookDeliveryGetPayload<object>): WebhookDeliveryView => ({
  id: row.id,
  policyId: row.policyId,
  eventType: row.eventType,
  trigger: row.trigger,
  payload: row.payload,
  status: row.status === "success" || row.status === "error" ? row.status : "pending",
  attempts: row.attempts,
  responseCode: row.responseCode,
  durationMs: row.durationMs,
  lastError: row.lastError,
  runId: row.runId,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
  finishedAt: row.finishedAt,
});

type Operation = "webhook_policy.create" | "webhook_policy.update" | "webhook_policy.delete" | "webhook_policy.test";

async function projectFor(actor: Actor, projectId: number | ProjectRef, permission: ProjectPermission & `notification-policy:${string}`, operation?: Operation): Promise<ProjectRef> {
  const project = typeof projectId === "number" ? await findProjectRef(projectId) : projectId;
  await assertProjectPermission(actor, project, permission, { type: "webhook_policy", name: project.name }, operation);
  return project;
}

/** Bad input -> ValidationError with field messages (nothing saved); a URL pointing at Wharf is refused too. */
function parsePolicy(input: unknown): WebhookPolicyParsed {
  const parsed = ZWebhookPolicyInput.safeParse(input);
  if (!parsed.success) throw new ValidationError("The webhook has errors; nothing was saved.", fieldErrorsOf(parsed.error));
  if (pointsAtWharf(parsed.data.address)) {
    throw new ValidationError("The webhook has errors; nothing was saved.", { address: ["Must not point at Wharf itself"] });
  }
  return parsed.data;
}

function nameTaken(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}
const NAME_TAKEN = () => new ValidationError("The webhook has errors; nothing was saved.", { name: ["A webhook with this name exists in the project"] });

/** What the audit row says of a policy (never the auth header itself). */
function auditDetail(p: WebhookPolicyParsed, hasAuthHeader: boolean) {
  return { eventTypes: p.eventTypes, targetType: p.targetType, address: p.address, authHeader: hasAuthHeader, skipCertVerify: p.skipCertVerify, enabled: p.enabled };
}

export async function listWebhookPolicies({
  actor,
  project,
  name,
  page = 1,
  pageSize = 15,
}: {
  actor: Actor;
  project: number | ProjectRef;
  /** Harbor's `q=name=<exact>` or `name=~<part>`. */
  name?: { op: "exact" | "fuzzy"; value: string };
  page?: number;
  pageSize?: number;
}): Promise<Page<WebhookPolicyView>> {
  const p = await projectFor(actor, project, "notification-policy:list");
  const where = { projectId: p.id, ...(name ? { name: name.op === "exact" ? name.value : containsText(name.value) } : {}) };
  const [rows, total] = await Promise.all([
    db.webhookPolicy.findMany({ where, select: policySelect, orderBy: { id: "asc" }, ...skipTake(page, pageSize) }),
    db.webhookPolicy.count({ where }),
  ]);
  return { rows: rows.map(view), total, page, pageSize };
}

async function policyRow(projectId: number, policyId: number): Promise<PolicyRow> {
  const row = await db.webhookPolicy.findFirst({ where: { id: policyId, projectId }, select: policySelect });
  if (!row) throw new NotFoundError("No such webhook policy in this project.");
  return row;
}

export async function getWebhookPolicy({ actor, project, policyId }: { actor: Actor; project: number | ProjectRef; policyId: number }): Promise<WebhookPolicyView> {
  const p = await projectFor(actor, project, "notification-policy:read");
  return view(await policyRow(p.id, policyId));
}

export async function createWebhookPolicy({ actor, project, input }: { actor: Actor; project: number | ProjectRef; input: unknown }): Promise<WebhookPolicyView> {
  const p = await projectFor(actor, project, "notification-policy:create", "webhook_policy.create");
  const policy = parsePolicy(input);
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.webhookPolicy.create({
        data: {
          projectId: p.id,
          name: policy.name,
          description: policy.description,
          enabled: policy.enabled,
          eventTypes: policy.eventTypes,
          targetType: policy.targetType,
          address: policy.address,
          skipCertVerify: policy.skipCertVerify,
          creator: actorName(actor).slice(0, 255),
        },
        select: { id: true },
      });
      const authHeader = policy.authHeader ? sealSecret(policy.authHeader, authHeaderSeal(created.id)) : null;
      const row = await tx.webhookPolicy.update({ where: { id: created.id }, data: { authHeaderSealed: authHeader }, select: policySelect });
      await recordAuditEvent(tx, {
        actor,
        action: "webhook_policy.create",
        resource: { type: "webhook_policy", id: row.id, name: `${p.name}/${row.name}` },
        projectId: p.id,
        detail: auditDetail(policy, authHeader !== null),
      });
      return view(row);
    });
  } catch (error) {
    if (nameTaken(error)) throw NAME_TAKEN();
    throw error;
  }
}

/**
 * Replaces a policy's settings. An absent `authHeader` keeps the stored one, an empty one removes
 * it (the console's form sends it only when typed or cleared).
 */
export async function updateWebhookPolicy({ actor, project, policyId, input }: { actor: Actor; project: number | ProjectRef; policyId: number; input: unknown }): Promise<WebhookPolicyView> {
  const p = await projectFor(actor, project, "notification-policy:update", "webhook_policy.update");
  await policyRow(p.id, policyId);
  const policy = parsePolicy(input);
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.webhookPolicy.findUniqueOrThrow({ where: { id: policyId }, select: { authHeaderSealed: true, enabled: true } });
      const authHeader = policy.authHeader === undefined ? before.authHeaderSealed : policy.authHeader ? sealSecret(policy.authHeader, authHeaderSeal(policyId)) : null;
      const row = await tx.webhookPolicy.update({
        where: { id: policyId },
        data: {
          name: policy.name,
          description: policy.description,
          enabled: policy.enabled,
          eventTypes: policy.eventTypes,
          targetType: policy.targetType,
          address: policy.address,
          skipCertVerify: policy.skipCertVerify,
          authHeaderSealed: authHeader,
        },
        select: policySelect,
      });
      await recordAuditEvent(tx, {
        actor,
        action: "webhook_policy.update",
        resource: { type: "webhook_policy", id: row.id, name: `${p.name}/${row.name}` },
        projectId: p.id,
        detail: { ...auditDetail(policy, authHeader !== null), ...(before.enabled !== policy.enabled ? { enabledBefore: before.enabled } : {}) },
      });
      return view(row);
    });
  } catch (error) {
    if (nameTaken(error)) throw NAME_TAKEN();
    throw error;
  }
}

/** Switches a policy on or off (the list's toggle): one `webhook_policy.update` row. */
export async function setWebhookPolicyEnabled({ actor, project, policyId, enabled }: { actor: Actor; project: number | ProjectRef; policyId: number; enabled: boolean }): Promise<WebhookPolicyView> {
  const p = await projectFor(actor, project, "notification-policy:update", "webhook_policy.update");
  await policyRow(p.id, policyId);
  return db.$transaction(async (tx) => {
    const row = await tx.webhookPolicy.update({ where: { id: policyId }, data: { enabled }, select: policySelect });
    await recordAuditEvent(tx, { actor, action: "webhook_policy.update", resource: { type: "webhook_policy", id: row.id, name: `${p.name}/${row.name}` }, projectId: p.id, detail: { enabled } });
    return view(row);
  });
}

/** Deletes a policy and its delivery log (runs still queued find no delivery and end). */
export async function deleteWebhookPolicy({ actor, project, policyId }: { actor: Actor; project: number | ProjectRef; policyId: number }): Promise<void> {
  const p = await projectFor(actor, project, "notification-policy:delete", "webhook_policy.delete");
  const row = await policyRow(p.id, policyId);
  await db.$transaction(async (tx) => {
    const { count } = await tx.webhookPolicy.deleteMany({ where: { id: policyId, projectId: p.id } });
    if (count === 0) throw new NotFoundError("No such webhook policy in this project.");
    await recordAuditEvent(tx, { actor, action: "webhook_policy.delete", resource: { type: "webhook_policy", id: row.id, name: `${p.name}/${row.name}` }, projectId: p.id });
  });
}

/**
 * "Send test event": queues one delivery of a PUSH_ARTIFACT payload naming a made-up artifact
 * (`<project>/wharf-webhook-test:test`) to the policy's target, through the same job as real
 * events; enabled or not. Answers the delivery's id.
 */
export async function sendWebhookTestEvent({ actor, project, policyId }: { actor: Actor; project: number | ProjectRef; policyId: number }): Promise<{ deliveryId: number }> {
  const p = await projectFor(actor, project, "notification-policy:update", "webhook_policy.test");
  const row = await policyRow(p.id, policyId);
  const now = new Date();
  const payload = artifactPayload({
    type: "PUSH_ARTIFACT",
    at: now,
    operator: actorName(actor),
    repository: `${p.name}/wharf-webhook-test`,
    repositoryCreated: now,
    isPublic: p.isPublic,
    digest: `sha256:${"0".repeat(64)}`,
    tag: "test",
  });
  return db.$transaction(async (tx) => {
    const deliveryId = await queueDelivery(tx, row.id, payload, "test");
    await recordAuditEvent(tx, { actor, action: "webhook_policy.test", resource: { type: "webhook_policy", id: row.id, name: `${p.name}/${row.name}` }, projectId: p.id, detail: { deliveryId } });
    return { deliveryId };
  });
}

/** A policy's delivery log, newest first (notification-policy:read). */
export async function listWebhookDeliveries({ actor, project, policyId, page = 1, pageSize = 15 }: { actor: Actor; project: number | ProjectRef; policyId: number; page?: number; pageSize?: number }): Promise<Page<WebhookDeliveryView>> {
  const p = await projectFor(actor, project, "notification-policy:read");
  await policyRow(p.id, policyId);
  const where = { policyId };
  const [rows, total] = await Promise.all([db.webhookDelivery.findMany({ where, orderBy: { id: "desc" }, ...skipTake(page, pageSize) }), db.webhookDelivery.count({ where })]);
  return { rows: rows.map(deliveryView), total, page, pageSize };
}

export async function getWebhookDelivery({ actor, project, policyId, deliveryId }: { actor: Actor; project: number | ProjectRef; policyId: number; deliveryId: number }): Promise<WebhookDeliveryView> {
  const p = await projectFor(actor, project, "notification-policy:read");
  await policyRow(p.id, policyId);
  const row = await db.webhookDelivery.findFirst({ where: { id: deliveryId, policyId } });
  if (!row) throw new NotFoundError("No such delivery of this webhook.");
  return deliveryView(row);
}

/** Harbor's last trigger: per policy and event type, the newest delivery's time (notification-policy:list). */
export async function webhookLastTriggers({ actor, project }: { actor: Actor; project: number | ProjectRef }) {
  const p = await projectFor(actor, project, "notification-policy:list");
  const policies = await db.webhookPolicy.findMany({ where: { projectId: p.id }, select: { id: true, name: true, enabled: true, createdAt: true, eventTypes: true }, orderBy: { id: "asc" }, take: 1000 });
  const last = await db.webhookDelivery.groupBy({ by: ["policyId", "eventType"], where: { policyId: { in: policies.map((x) => x.id) }, trigger: "event" }, _max: { createdAt: true } });
  const at = new Map(last.map((l) => [`${l.policyId} ${l.eventType}`, l._max.createdAt]));
  return policies.flatMap((policy) =>
    policy.eventTypes.map((eventType) => ({ policyName: policy.name, eventType, enabled: policy.enabled, createdAt: policy.createdAt, lastTriggerAt: at.get(`${policy.id} ${eventType}`) ?? null })),
  );
}

/** Which event types a project's policies may use (any reader of its policies). */
export async function supportedWebhookEvents({ actor, project }: { actor: Actor; project: number | ProjectRef }) {
  await projectFor(actor, project, "notification-policy:list");
  return { eventTypes: [...WEBHOOK_EVENT_TYPES], targetTypes: [...WEBHOOK_TARGET_TYPES] };
}

/** A delivery's log as text (Harbor's task log): its attempts' lines, from its job run. */
export async function getWebhookDeliveryLog({ actor, project, policyId, deliveryId }: { actor: Actor; project: number | ProjectRef; policyId: number; deliveryId: number }): Promise<string> {
  const delivery = await getWebhookDelivery({ actor, project, policyId, deliveryId });
  const run = delivery.runId ? await db.jobRun.findUnique({ where: { id: delivery.runId }, select: { log: true } }) : null;
  const head = `delivery ${delivery.id}: ${delivery.eventType} (${delivery.trigger}), ${delivery.status} after ${delivery.attempts} attempt(s)`;
  return `${head}\n${run?.log ?? ""}`.trimEnd() + "\n";
}
