import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { UnauthenticatedError } from "@/lib/errors";
import { memberRoleIdsOf } from "@/lib/services/authz/project-access";
import { visibleProjectsWhere } from "@/lib/services/projects/list-projects";
import { PROJECT_SELECT, type ProjectSummary, toProjectSummary } from "@/lib/services/projects/project-dto";

/**
 * Harbor's `HEAD /projects?project_name=`: whether a name is taken, for any signed-in caller
 * (users and robots). It answers for private projects too, as Harbor does: creating a project
 * with that name would reveal the same thing through a 409.
 */
export async function projectNameExists({ actor, name }: { actor: Actor; name: string }): Promise<boolean> {
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  return (await db.project.count({ where: { name } })) > 0;
}

/**
 * The project with exactly this name, if the actor may see it in the project list (the REST API's
 * `q=name=<name>`); null otherwise. Same visibility rule as listProjects.
 */
export async function findVisibleProjectByName({
  actor,
  name,
  visibility = "all",
}: {
  actor: Actor;
  name: string;
  visibility?: "all" | "public" | "private";
}): Promise<ProjectSummary | null> {
  const row = await db.project.findFirst({
    where: {
      AND: [await visibleProjectsWhere(actor), { name }, visibility === "all" ? {} : { isPublic: visibility === "public" }],
    },
    select: PROJECT_SELECT,
  });
  if (!row) return null;
  const roles = await memberRoleIdsOf(actor, [row.id]);
  return toProjectSummary(row, roles.get(row.id) ?? null);
}
