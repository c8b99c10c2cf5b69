import "server-only";
import type { Actor, RobotGrant } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { forgetVerifiedRobots } from "@/lib/services/auth/verify-registry-credentials";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { assertProjectPermission, findProjectRef, projectPermissionsFor } from "@/lib/services/authz/project-access";
import { isProjectPermission } from "@/lib/services/authz/project-roles";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { containsText } from "@/lib/services/contains-text";
import { type Page, skipTake } from "@/lib/services/pagination";
import { bumpGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { generateRobotSecret, hashRobotSecret, ROBOT_NAME_PREFIX, robotLoginName, robotSecretPolicyError } from "@/lib/services/robots/robot-secret";
import { isUniqueViolation } from "@/lib/services/users/unique-violation";
import { isRobotGrantable, type TCreateProjectRobot, type TCreateSystemRobot } from "@/lib/validation/robots";

/** A robot as it may be shown: never its secret or the secret's hash. */
export type RobotSummary = {
  id: number;
  name: string;
  level: "system" | "project";
  projectId: number | null;
  description: string;
  expiresAt: Date | null;
  disabled: boolean;
  /** The creating user's id; null for a robot, the system or a deleted user. */
  creatorId: number | null;
  creatorName: string;
  createdAt: Date;
  updatedAt: Date;
  permissions: RobotGrant[];
};

/** The one time a secret leaves Wharf: in the answer to create or refresh. */
export type RobotWithSecret = { robot: RobotSummary; secret: string };

const ROBOT_SELECT = {
  id: true,
  name: true,
  level: true,
  projectId: true,
  description: true,
  expiresAt: true,
  disabled: true,
  creatorId: true,
  creatorName: true,
  createdAt: true,
  updatedAt: true,
  permissions: { select: { namespace: true, resource: true, action: true }, orderBy: [{ namespace: "asc" }, { resource: "asc" }, { action: "asc" }] },
} as const satisfies Prisma.RobotSelect;

function expiryFrom(durationDays: number): Date | null {
  return durationDays === -1 ? null : new Date(Date.now() + durationDays * 86_400_000);
}

function creatorOf(actor: Actor): { creatorId: number | null; creatorName: string } {
  if (actor.kind === "user") return { creatorId: actor.id, creatorName: actor.username };
  if (actor.kind === "robot") return { creatorId: null, creatorName: actor.name };
  return { creatorId: null, creatorName: actor.kind === "system" ? `system:${actor.name}` : "anonymous" };
}

/**
 * A robot can never hold more than its creator: every grant must be one the creator holds in that
 * project ("*" grants need an administrator). Returns the grants the creator lacks.
 */
async function grantsBeyondCreator(actor: Actor, grants: RobotGrant[]): Promise<RobotGrant[]> {
  if (actor.kind === "system" || (actor.kind === "user" && actor.isAdmin)) return [];
  const names = [...new Set(grants.map((g) => g.namespace).filter((n) => n !== "*"))];
  const projects = await db.project.findMany({ where: { name: { in: names } }, select: { id: true, name: true, isPublic: true } });
  const byName = new Map(projects.map((p) => [p.name, p]));
  const held = await projectPermissionsFor(actor, projects);
  return grants.filter((g) => {
    const project = byName.get(g.namespace);
    const permission = `${g.resource}:${g.action}`;
    return g.namespace === "*" || !project || !isProjectPermission(permission) || !held.get(project.id)?.has(permission);
  });
}

export async function createProjectRobot({ actor, input }: { actor: Actor; input: TCreateProjectRobot }): Promise<RobotWithSecret> {
  const ref = await findProjectRef(input.projectId);
  await assertProjectPermission(actor, ref, "robot:create");
  const grants = [...new Set(input.permissions)].map((p) => {
    const [resource, action] = p.split(":") as [string, string];
    return { namespace: ref.name, resource, action };
  });
  return insertRobot(actor, {
    name: robotLoginName(input.name, ref.name),
    level: "project",
    projectId: ref.id,
    description: input.description,
    expiresAt: expiryFrom(input.durationDays),
    grants,
  });
}

export async function createSystemRobot({ actor, input }: { actor: Actor; input: TCreateSystemRobot }): Promise<RobotWithSecret> {
  await assertSystemPermission(actor, "robot.system.create", { type: "robot", name: input.name }, "robot.create");
  const grants = input.grants.map((g) => {
    const [resource, action] = g.permission.split(":") as [string, string];
    return { namespace: g.namespace, resource, action };
  });
  const unknownProjects = await db.project.findMany({
    where: { name: { in: grants.map((g) => g.namespace).filter((n) => n !== "*") } },
    select: { name: true },
  });
  const known = new Set(unknownProjects.map((p) => p.name));
  const missing = [...new Set(grants.map((g) => g.namespace).filter((n) => n !== "*" && !known.has(n)))];
  if (missing.length) throw new ValidationError(`No such project: ${missing.join(", ")}.`, { grants: [`No such project: ${missing.join(", ")}`] });
  return insertRobot(actor, {
    name: robotLoginName(input.name, null),
    level: "system",
    projectId: null,
    description: input.description,
    expiresAt: expiryFrom(input.durationDays),
    grants,
  });
}

async function insertRobot(
  actor: Actor,
  robot: { name: string; level: "system" | "project"; projectId: number | null; description: string; expiresAt: Date | null; grants: RobotGrant[] },
): Promise<RobotWithSecret> {
  const forbidden = robot.grants.filter((g) => !isRobotGrantable(`${g.resource}:${g.action}`));
  if (forbidden.length) {
    const list = [...new Set(forbidden.map((g) => `${g.resource}:${g.action}`))].join(", ");
    throw new ValidationError(`Robots cannot hold member permissions: ${list}.`, { permissions: [`Robots cannot hold member permissions (${list})`] });
  }
  const beyond = await grantsBeyondCreator(actor, robot.grants);
  if (beyond.length) {
    const list = beyond.map((g) => `${g.namespace}/${g.resource}:${g.action}`).join(", ");
    await recordRefusal({ actor, action: "robot.create", resource: { type: "robot", name: robot.name }, projectId: robot.projectId, reason: `grants beyond the creator: ${list}` });
    throw new ForbiddenError(`A robot cannot have permissions you do not have: ${list}.`);
  }
  const secret = generateRobotSecret();
  try {
    const created = await db.$transaction(async (tx) => {
      if (await tx.robot.findUnique({ where: { name: robot.name }, select: { id: true } })) {
        throw new ConflictError(`A robot named ${robot.name} already exists.`, { name: ["This name is already taken"] });
      }
      const row = await tx.robot.create({
        data: {
          name: robot.name,
          level: robot.level,
          projectId: robot.projectId,
          description: robot.description,
          expiresAt: robot.expiresAt,
          secretHash: hashRobotSecret(secret),
          ...creatorOf(actor),
          permissions: { create: robot.grants },
        },
        select: ROBOT_SELECT,
      });
      await recordAuditEvent(tx, {
        actor,
        action: "robot.create",
        resource: { type: "robot", id: row.id, name: row.name },
        projectId: robot.projectId,
        detail: { level: robot.level, expiresAt: robot.expiresAt?.toISOString() ?? "never", permissions: robot.grants },
      });
      return row;
    });
    return { robot: created, secret };
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`A robot named ${robot.name} already exists.`, { name: ["This name is already taken"] });
    throw err;
  }
}

/**
 * Loads a robot and checks the actor may act on it (project robots: robot:<action> in the project).
 * A refusal of a change is recorded under `operation`, the action its success row would carry.
 */
async function authorizeRobot(actor: Actor, robotId: number, action: "read" | "update" | "delete", operation?: AuditOperation) {
  const robot = await db.robot.findUnique({ where: { id: robotId }, select: { ...ROBOT_SELECT, project: { select: { id: true, name: true, isPublic: true } } } });
  if (!robot) throw new NotFoundError(`Robot ${robotId} does not exist.`);
  if (robot.project) {
    await assertProjectPermission(actor, robot.project, `robot:${action}`, { type: "robot", id: robot.id, name: robot.name }, operation);
    if (action !== "read") {
      // Refreshing a secret hands over the robot's powers: only someone who holds all of them may.
      const beyond = await grantsBeyondCreator(actor, robot.permissions);
      if (beyond.length) {
        await recordRefusal({
          actor,
          action: operation ?? `robot.${action}`,
          resource: { type: "robot", id: robot.id, name: robot.name },
          projectId: robot.projectId,
          reason: "the robot holds permissions the caller does not",
        });
        throw new ForbiddenError("This robot holds permissions you do not have.");
      }
    }
  } else {
    await assertSystemPermission(
      actor,
      action === "read" ? "robot.system.list" : action === "update" ? "robot.system.update" : "robot.system.delete",
      { type: "robot", id: robot.id, name: robot.name },
      operation,
    );
  }
  return robot;
}

export async function getRobot({ actor, robotId }: { actor: Actor; robotId: number }): Promise<RobotSummary> {
  const { project: _project, ...robot } = await authorizeRobot(actor, robotId, "read");
  void _project;
  return robot;
}

export async function listRobots({
  actor,
  projectId,
  name,
  page,
  pageSize,
}: {
  actor: Actor;
  /** A project's robots, or (when null) the system robots. */
  projectId: number | string | null;
  /** Exact: the login name, with or without its `robot$` prefix; fuzzy: the name contains the text. */
  name?: { op: "exact" | "fuzzy"; value: string } | undefined;
  page: number;
  pageSize: number;
}): Promise<Page<RobotSummary>> {
  let where: Prisma.RobotWhereInput;
  if (projectId === null) {
    await assertSystemPermission(actor, "robot.system.list", { type: "robot" });
    where = { level: "system" };
  } else {
    const ref = await findProjectRef(projectId);
    await assertProjectPermission(actor, ref, "robot:list");
    where = { projectId: ref.id };
  }
  if (name) {
    const byName: Prisma.RobotWhereInput =
      name.op === "fuzzy" ? { name: containsText(name.value) } : { name: { in: [name.value, `${ROBOT_NAME_PREFIX}${name.value}`] } };
    where = { AND: [where, byName] };
  }
  const [rows, total] = await db.$transaction([
    db.robot.findMany({ where, select: ROBOT_SELECT, orderBy: { name: "asc" }, ...skipTake(page, pageSize) }),
    db.robot.count({ where }),
  ]);
  return { rows, total, page, pageSize };
}

/**
 * A new secret: generated, or (Harbor's PATCH with a secret) the caller's own, which must meet
 * Harbor's secret policy and is stored as argon2id (see isChosenSecretHash). Answered once.
 */
export async function refreshRobotSecret({ actor, robotId, secret: chosen }: { actor: Actor; robotId: number; secret?: string | undefined }): Promise<RobotWithSecret> {
  if (chosen !== undefined) {
    const problem = robotSecretPolicyError(chosen);
    if (problem) throw new ValidationError(`secret: ${problem}.`, { secret: [`The secret ${problem}`] });
  }
  const before = await authorizeRobot(actor, robotId, "update", "robot.refresh_secret");
  const secret = chosen ?? generateRobotSecret();
  const secretHash = chosen === undefined ? hashRobotSecret(secret) : await hashPassword(secret);
  const robot = await db.$transaction(async (tx) => {
    const row = await tx.robot.update({ where: { id: before.id }, data: { secretHash }, select: ROBOT_SELECT });
    await recordAuditEvent(tx, {
      actor,
      action: "robot.refresh_secret",
      resource: { type: "robot", id: row.id, name: row.name },
      projectId: row.projectId,
      // Whether the caller chose it: a chosen secret is a weaker one, worth knowing in an audit.
      ...(chosen === undefined ? {} : { detail: { secret: "chosen by the caller" } }),
    });
    // Tokens the old secret obtained end too (a robot's last change bounds its tokens' age).
    await bumpGrantVersion(tx);
    return row;
  });
  forgetVerifiedRobots();
  return { robot, secret };
}

/** A change to a robot as Harbor's PUT /robots/{id} makes it; an absent field stays as it is. */
export type RobotChanges = {
  description?: string | undefined;
  /** Days from the robot's creation to its expiry, -1 for never (Harbor's `duration`). */
  durationDays?: number | undefined;
  /** The robot's whole new grant list. */
  grants?: RobotGrant[] | undefined;
  disabled?: boolean | undefined;
};

const grantKey = (g: RobotGrant) => `${g.namespace}\0${g.resource}:${g.action}`;
const sameGrants = (a: readonly RobotGrant[], b: readonly RobotGrant[]) =>
  [...new Set(a.map(grantKey))].sort().join("\n") === [...new Set(b.map(grantKey))].sort().join("\n");

/**
 * Harbor's robot update: description, duration (the expiry counted from the robot's creation, as
 * Harbor computes it) and permissions, with `disable`. Only what differs is written, in one
 * transaction with one audit row: robot.disable / robot.enable when `disable` is the only change,
 * otherwise robot.update naming every changed field. Nothing to change writes nothing.
 *
 * Authorization: robot:update in the project (system robots: robot.system.update), holding every
 * permission the robot holds now (authorizeRobot), and every permission it is to hold: a robot
 * never holds more than the user who last set its permissions could grant.
 */
export async function updateRobot({ actor, robotId, changes }: { actor: Actor; robotId: number; changes: RobotChanges }): Promise<RobotSummary> {
  // Which operation a refusal is filed under depends on what would change; the row read here
  // only picks that name and is never shown before authorizeRobot has passed.
  const peek = await db.robot.findUnique({ where: { id: robotId }, select: ROBOT_SELECT });
  if (!peek) throw new NotFoundError(`Robot ${robotId} does not exist.`);
  const operation = (robot: RobotSummary): AuditOperation => {
    const diff = changedFields(robot, changes);
    if (diff.length === 1 && diff[0] === "disabled") return changes.disabled ? "robot.disable" : "robot.enable";
    return "robot.update";
  };
  const before = await authorizeRobot(actor, robotId, "update", operation(peek));
  const { project, ...current } = before;
  const changed = changedFields(current, changes);
  if (changed.length === 0) return current;
  const action = operation(current);

  const grants = changes.grants;
  if (changed.includes("permissions") && grants) {
    if (grants.length === 0) throw new ValidationError("permissions: give at least one permission.", { permissions: ["Give at least one permission"] });
    const forbidden = grants.filter((g) => !isRobotGrantable(`${g.resource}:${g.action}`));
    if (forbidden.length) {
      const list = [...new Set(forbidden.map((g) => `${g.resource}:${g.action}`))].join(", ");
      throw new ValidationError(`Robots cannot hold member permissions: ${list}.`, { permissions: [`Robots cannot hold member permissions (${list})`] });
    }
    if (project) {
      const elsewhere = [...new Set(grants.filter((g) => g.namespace !== project.name).map((g) => g.namespace))];
      if (elsewhere.length) {
        throw new ValidationError(`permissions: a project robot's permissions are in its project ${project.name}, not ${elsewhere.join(", ")}.`, {
          permissions: [`A project robot's namespace is its project (${project.name})`],
        });
      }
    } else {
      const named = [...new Set(grants.map((g) => g.namespace).filter((n) => n !== "*"))];
      const known = new Set((await db.project.findMany({ where: { name: { in: named } }, select: { name: true } })).map((p) => p.name));
      const missing = named.filter((n) => !known.has(n));
      if (missing.length) throw new ValidationError(`No such project: ${missing.join(", ")}.`, { permissions: [`No such project: ${missing.join(", ")}`] });
    }
    const beyond = await grantsBeyondCreator(actor, grants);
    if (beyond.length) {
      const list = beyond.map((g) => `${g.namespace}/${g.resource}:${g.action}`).join(", ");
      await recordRefusal({ actor, action, resource: { type: "robot", id: current.id, name: current.name }, projectId: current.projectId, reason: `grants beyond the caller: ${list}` });
      throw new ForbiddenError(`A robot cannot have permissions you do not have: ${list}.`);
    }
  }

  const data: Prisma.RobotUpdateInput = {};
  const detail: Record<string, unknown> = {};
  if (changed.includes("description")) data.description = detail.description = changes.description;
  if (changed.includes("duration")) {
    data.expiresAt = expiryFromCreation(current.createdAt, changes.durationDays!);
    detail.expiresAt = data.expiresAt?.toISOString() ?? "never";
  }
  if (changed.includes("disabled")) data.disabled = detail.disabled = changes.disabled;
  const updated = await db.$transaction(async (tx) => {
    if (changed.includes("permissions") && grants) {
      detail.permissions = grants;
      await tx.robotPermission.deleteMany({ where: { robotId: current.id } });
      data.permissions = { create: uniqueGrants(grants) };
    }
    const row = await tx.robot.update({ where: { id: current.id }, data, select: ROBOT_SELECT });
    await recordAuditEvent(tx, {
      actor,
      action,
      resource: { type: "robot", id: row.id, name: row.name },
      projectId: row.projectId,
      ...(action === "robot.update" ? { detail: { changed, ...detail } } : {}),
    });
    // Grants, expiry and the disabled flag are what registry tokens are checked against.
    if (changed.some((f) => f !== "description")) await bumpGrantVersion(tx);
    return row;
  });
  forgetVerifiedRobots();
  return updated;
}

type RobotField = "description" | "duration" | "permissions" | "disabled";

function changedFields(robot: RobotSummary, changes: RobotChanges): RobotField[] {
  const out: RobotField[] = [];
  if (changes.description !== undefined && changes.description !== robot.description) out.push("description");
  // In whole days, as Harbor's duration is and as GET shows it: sending back what GET answered
  // changes nothing, although the stored expiry was counted from a moment before createdAt.
  if (changes.durationDays !== undefined && changes.durationDays !== durationDaysOf(robot)) out.push("duration");
  if (changes.grants !== undefined && !sameGrants(changes.grants, robot.permissions)) out.push("permissions");
  if (changes.disabled !== undefined && changes.disabled !== robot.disabled) out.push("disabled");
  return out;
}

function durationDaysOf(robot: Pick<RobotSummary, "createdAt" | "expiresAt">): number {
  return robot.expiresAt === null ? -1 : Math.round((robot.expiresAt.getTime() - robot.createdAt.getTime()) / 86_400_000);
}

/** Harbor's expires_at on update: the creation time plus `duration` days (-1: never). */
function expiryFromCreation(createdAt: Date, durationDays: number): Date | null {
  return durationDays === -1 ? null : new Date(createdAt.getTime() + durationDays * 86_400_000);
}

function uniqueGrants(grants: readonly RobotGrant[]): RobotGrant[] {
  return [...new Map(grants.map((g) => [grantKey(g), { namespace: g.namespace, resource: g.resource, action: g.action }])).values()];
}

export async function setRobotDisabled({ actor, robotId, disabled }: { actor: Actor; robotId: number; disabled: boolean }): Promise<RobotSummary> {
  const before = await authorizeRobot(actor, robotId, "update", disabled ? "robot.disable" : "robot.enable");
  const { project: _project, ...current } = before;
  void _project;
  if (before.disabled === disabled) return current;
  const updated = await db.$transaction(async (tx) => {
    const row = await tx.robot.update({ where: { id: before.id }, data: { disabled }, select: ROBOT_SELECT });
    await recordAuditEvent(tx, {
      actor,
      action: disabled ? "robot.disable" : "robot.enable",
      resource: { type: "robot", id: row.id, name: row.name },
      projectId: row.projectId,
    });
    await bumpGrantVersion(tx);
    return row;
  });
  forgetVerifiedRobots();
  return updated;
}

export async function deleteRobot({ actor, robotId }: { actor: Actor; robotId: number }): Promise<void> {
  const before = await authorizeRobot(actor, robotId, "delete", "robot.delete");
  await db.$transaction(async (tx) => {
    await tx.robot.delete({ where: { id: before.id } });
    await recordAuditEvent(tx, { actor, action: "robot.delete", resource: { type: "robot", id: before.id, name: before.name }, projectId: before.projectId });
    await bumpGrantVersion(tx);
  });
  forgetVerifiedRobots();
}

/** Whether the actor may see system robots at all (for navigation). */
export function canListSystemRobots(actor: Actor): boolean {
  return hasSystemPermission(actor, "robot.system.list");
}
