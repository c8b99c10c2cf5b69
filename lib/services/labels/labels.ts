import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db, type DbTransaction } from "@/lib/db/client";
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, findProjectRef, type ProjectRef } from "@/lib/services/authz/project-access";
import { containsText } from "@/lib/services/contains-text";
import { skipTake, type Page } from "@/lib/services/pagination";
import { fieldErrorsOf } from "@/lib/validation/common";
import { type LabelParsed, type LabelScope, ZLabelInput } from "@/lib/validation/labels";

/**
 * Harbor's labels. Global labels (scope `g`) are listed and read by any signed-in principal and
 * managed by administrators; a project's labels (scope `p`) are read by those who hold
 * `label:read`/`label:list` there and managed by its Project Admins and Maintainers (Harbor's
 * `label:create|update|delete`). A name is unique within its scope, and a project label may not
 * share a global label's name (nor a global label a project label's): selectors in retention and
 * replication rules name labels, so within one project a name must mean one label. Every change
 * writes one audit row (`label.create|update|delete`) in its transaction.
 */

export type LabelView = {
  id: number;
  name: string;
  color: string;
  description: string;
  scope: LabelScope;
  /** Null for a global label. */
  projectId: number | null;
  createdAt: Date;
  updatedAt: Date;
};

export const labelSelect = { id: true, name: true, color: true, description: true, projectId: true, createdAt: true, updatedAt: true } as const;
type LabelRow = Prisma.LabelGetPayload<{ select: typeof labelSelect }>;

export function labelView(row: LabelRow): LabelView {
  return { ...row, scope: row.projectId === null ? "g" : "p" };
}

type Operation = "label.create" | "label.update" | "label.delete";

/** Global labels are read by anyone signed in (users, robots, Wharf itself); anonymous callers are asked to sign in. */
async function assertSignedIn(actor: Actor): Promise<void> {
  if (actor.kind !== "anonymous") return;
  await recordRefusal({ actor, action: "label.list", resource: { type: "label" }, reason: "global labels need a signed-in caller" });
  throw new UnauthenticatedError();
}

/** The gate for changing a label of `scope` (in `project` when it is a project's). */
async function assertCanManage(actor: Actor, project: ProjectRef | null, operation: Operation, name: string | null): Promise<void> {
  const resource = { type: "label", name };
  if (project === null) {
    await assertSystemPermission(actor, operation, resource, operation);
    return;
  }
  const permission = operation === "label.create" ? "label:create" : operation === "label.update" ? "label:update" : "label:delete";
  await assertProjectPermission(actor, project, permission, { ...resource, name: name === null ? project.name : `${project.name}/${name}` }, operation);
}

function parseLabel(input: unknown): LabelParsed {
  const parsed = ZLabelInput.safeParse(input);
  if (!parsed.success) throw new ValidationError("The label has errors; nothing was saved.", fieldErrorsOf(parsed.error));
  return parsed.data;
}

const WHERE = { global: "globally", project: "in this project", anyProject: "in a project" } as const;
const NAME_TAKEN = (name: string, where: keyof typeof WHERE) =>
  new ConflictError(`A label named ${name} exists ${WHERE[where]}; nothing was saved.`, { name: [`A label named ${name} exists ${WHERE[where]}`] });

/**
 * Refuses a name another label of the same scope has, and (as Harbor does) a project label named as
 * a global one or a global label named as a project one. Inside the write's transaction; the
 * partial unique indexes catch what two concurrent writes of one scope could still race past.
 */
async function assertNameFree(tx: DbTransaction, name: string, projectId: number | null, exceptId?: number): Promise<void> {
  const except = exceptId === undefined ? {} : { id: { not: exceptId } };
  const clash = await tx.label.findFirst({
    where: { name, ...except, ...(projectId === null ? {} : { OR: [{ projectId: null }, { projectId }] }) },
    select: { projectId: true },
    orderBy: { id: "asc" },
  });
  if (!clash) return;
  if (clash.projectId === null) throw NAME_TAKEN(name, "global");
  throw NAME_TAKEN(name, projectId === null ? "anyProject" : "project");
}

function uniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/**
 * One page of labels of a scope, by name: `g` the global ones, `p` a project's (`project` given).
 * `name`: Harbor's `name=` (exact) or `q=name=~` (part of the name).
 */
export async function listLabels({
  actor,
  scope,
  project,
  name,
  page = 1,
  pageSize = 15,
}: {
  actor: Actor;
  scope: LabelScope;
  project?: number | ProjectRef;
  name?: { op: "exact" | "fuzzy"; value: string };
  page?: number;
  pageSize?: number;
}): Promise<Page<LabelView>> {
  let projectId: number | null = null;
  if (scope === "g") await assertSignedIn(actor);
  else {
    if (project === undefined) throw new ValidationError("project_id: required for project labels", { project_id: ["Required for project labels"] });
    const p = typeof project === "number" ? await findProjectRef(project) : project;
    await assertProjectPermission(actor, p, "label:list", { type: "label", name: p.name });
    projectId = p.id;
  }
  const where: Prisma.LabelWhereInput = { projectId, ...(name ? { name: name.op === "exact" ? name.value : containsText(name.value) } : {}) };
  const [rows, total] = await Promise.all([
    db.label.findMany({ where, select: labelSelect, orderBy: [{ name: "asc" }, { id: "asc" }], ...skipTake(page, pageSize) }),
    db.label.count({ where }),
  ]);
  return { rows: rows.map(labelView), total, page, pageSize };
}

/** A label row with its project, or 404. */
async function labelRow(labelId: number): Promise<LabelRow & { project: ProjectRef | null }> {
  const row = await db.label.findUnique({ where: { id: labelId }, select: { ...labelSelect, project: { select: { id: true, name: true, isPublic: true } } } });
  if (!row) throw new NotFoundError(`No label ${labelId}.`);
  return row;
}

/** One label (global: anyone signed in; a project's: `label:read` there, else 404 as for its project). */
export async function getLabel({ actor, labelId }: { actor: Actor; labelId: number }): Promise<LabelView> {
  const { project, ...row } = await labelRow(labelId);
  if (project === null) await assertSignedIn(actor);
  else await assertProjectPermission(actor, project, "label:read", { type: "label", id: row.id, name: `${project.name}/${row.name}` });
  return labelView(row);
}

/** Creates a global label (`project` absent) or one of `project`. */
export async function createLabel({ actor, project, input }: { actor: Actor; project?: number | ProjectRef | null; input: unknown }): Promise<LabelView> {
  const p = project === undefined || project === null ? null : typeof project === "number" ? await findProjectRef(project) : project;
  await assertCanManage(actor, p, "label.create", null);
  const label = parseLabel(input);
  try {
    return await db.$transaction(async (tx) => {
      await assertNameFree(tx, label.name, p?.id ?? null);
      const row = await tx.label.create({ data: { name: label.name, color: label.color, description: label.description, projectId: p?.id ?? null }, select: labelSelect });
      await recordAuditEvent(tx, {
        actor,
        action: "label.create",
        resource: { type: "label", id: row.id, name: p ? `${p.name}/${row.name}` : row.name },
        projectId: p?.id ?? null,
        detail: { scope: p ? "p" : "g", color: row.color },
      });
      return labelView(row);
    });
  } catch (error) {
    if (uniqueViolation(error)) throw NAME_TAKEN(label.name, p ? "project" : "global");
    throw error;
  }
}

/** Renames, recolours or redescribes a label; its scope never changes. */
export async function updateLabel({ actor, labelId, input }: { actor: Actor; labelId: number; input: unknown }): Promise<LabelView> {
  const { project, ...before } = await labelRow(labelId);
  await assertCanManage(actor, project, "label.update", before.name);
  const label = parseLabel(input);
  try {
    return await db.$transaction(async (tx) => {
      await assertNameFree(tx, label.name, before.projectId, labelId);
      const row = await tx.label.update({ where: { id: labelId }, data: { name: label.name, color: label.color, description: label.description }, select: labelSelect });
      await recordAuditEvent(tx, {
        actor,
        action: "label.update",
        resource: { type: "label", id: row.id, name: project ? `${project.name}/${row.name}` : row.name },
        projectId: before.projectId,
        detail: { ...(before.name !== row.name ? { nameBefore: before.name } : {}), color: row.color },
      });
      return labelView(row);
    });
  } catch (error) {
    if (uniqueViolation(error)) throw NAME_TAKEN(label.name, project ? "project" : "global");
    throw error;
  }
}

/** Deletes a label; it comes off every artifact that carried it (the foreign key cascades). */
export async function deleteLabel({ actor, labelId }: { actor: Actor; labelId: number }): Promise<void> {
  const { project, ...row } = await labelRow(labelId);
  await assertCanManage(actor, project, "label.delete", row.name);
  await db.$transaction(async (tx) => {
    const artifacts = await tx.artifactLabel.count({ where: { labelId } });
    const { count } = await tx.label.deleteMany({ where: { id: labelId } });
    if (count === 0) throw new NotFoundError(`No label ${labelId}.`);
    await recordAuditEvent(tx, {
      actor,
      action: "label.delete",
      resource: { type: "label", id: row.id, name: project ? `${project.name}/${row.name}` : row.name },
      projectId: row.projectId,
      detail: { scope: project ? "p" : "g", artifacts },
    });
  });
}

/** At most this many labels are offered by a picker (global and the project's together). */
export const ATTACHABLE_LABELS_MAX = 500;

/**
 * The labels that may go on an artifact of `project`: the global ones and the project's, by name
 * (what the artifact page's picker and the artifact list's filter offer). Needs `label:list` there.
 */
export async function listAttachableLabels({ actor, project }: { actor: Actor; project: number | ProjectRef }): Promise<LabelView[]> {
  const p = typeof project === "number" ? await findProjectRef(project) : project;
  await assertProjectPermission(actor, p, "label:list", { type: "label", name: p.name });
  const rows = await db.label.findMany({
    where: { OR: [{ projectId: null }, { projectId: p.id }] },
    select: labelSelect,
    orderBy: [{ name: "asc" }, { id: "asc" }],
    take: ATTACHABLE_LABELS_MAX,
  });
  return rows.map(labelView);
}
