import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { assertProjectPermission, findProjectRef, memberRoleIdsOf } from "@/lib/services/authz/project-access";
import { type ProjectDetail, PROJECT_SELECT, toProjectSummary } from "@/lib/services/projects/project-dto";

export type GetProjectOptions = { actor: Actor; project: string | number; byName?: boolean };

/** One project with the viewer's permissions in it (which tabs and controls to offer). */
export async function getProject({ actor, project, byName }: GetProjectOptions): Promise<ProjectDetail> {
  const ref = await findProjectRef(project, { byName });
  const permissions = await assertProjectPermission(actor, ref, "project:read");
  const row = await db.project.findUniqueOrThrow({ where: { id: ref.id }, select: PROJECT_SELECT });
  const roles = await memberRoleIdsOf(actor, [ref.id]);
  return { ...toProjectSummary(row, roles.get(ref.id) ?? null), viewerPermissions: [...permissions].sort() };
}
