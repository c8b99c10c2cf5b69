import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ConflictError, ForbiddenError, UnauthenticatedError } from "@/lib/errors";
import { recordAuditEvent, recordRefusal } from "@/lib/services/audit/record-audit-event";
import { canCreateProjects } from "@/lib/services/projects/can-create-projects";
import { PROJECT_SELECT, type ProjectSummary, toProjectSummary } from "@/lib/services/projects/project-dto";
import { readSystemSettings } from "@/lib/services/settings/system-settings";
import { isUniqueViolation } from "@/lib/services/users/unique-violation";
import type { TCreateProject } from "@/lib/validation/projects";

const PROJECT_ADMIN_ROLE_ID = 1;

/**
 * Creates a project; its creator becomes its owner and first Project Admin (as in Harbor).
 * Who may create depends on the "project creation" system setting: everyone, or admins only.
 * Scan on push (`autoScan`, Harbor's `auto_scan` metadata) is off unless asked for.
 */
export async function createProject({ actor, input }: { actor: Actor; input: TCreateProject & { autoScan?: boolean } }): Promise<ProjectSummary> {
  if (actor.kind === "anonymous") {
    await recordRefusal({ actor, action: "project.create", resource: { type: "project", name: input.name }, reason: "not signed in" });
    throw new UnauthenticatedError();
  }
  const { projectCreationRestriction } = await readSystemSettings();
  if (!(await canCreateProjects(actor))) {
    await recordRefusal({
      actor,
      action: "project.create",
      resource: { type: "project", name: input.name },
      reason: projectCreationRestriction === "adminonly" ? "only administrators may create projects" : "not allowed to create projects",
    });
    throw new ForbiddenError(
      projectCreationRestriction === "adminonly" ? "Only administrators may create projects." : "You may not create projects.",
    );
  }
  try {
    return await db.$transaction(async (tx) => {
      if (await tx.project.findUnique({ where: { name: input.name }, select: { id: true } })) {
        throw new ConflictError(`A project named ${input.name} already exists.`, { name: ["This name is already taken"] });
      }
      const ownerId = actor.kind === "user" ? actor.id : null;
      const created = await tx.project.create({
        data: { name: input.name, isPublic: input.isPublic, autoScan: input.autoScan ?? false, ownerId },
        select: { id: true },
      });
      if (ownerId !== null) {
        await tx.projectMember.create({ data: { projectId: created.id, userId: ownerId, roleId: PROJECT_ADMIN_ROLE_ID } });
      }
      const project = await tx.project.findUniqueOrThrow({ where: { id: created.id }, select: PROJECT_SELECT });
      await recordAuditEvent(tx, {
        actor,
        action: "project.create",
        resource: { type: "project", id: project.id, name: project.name },
        projectId: project.id,
        detail: { public: project.isPublic, ...(project.autoScan ? { auto_scan: true } : {}) },
      });
      return toProjectSummary(project, ownerId !== null ? PROJECT_ADMIN_ROLE_ID : null);
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ConflictError(`A project named ${input.name} already exists.`, { name: ["This name is already taken"] });
    }
    throw err;
  }
}
