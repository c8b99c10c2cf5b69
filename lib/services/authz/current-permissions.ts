import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { findProjectRef, projectPermissionsIn } from "@/lib/services/authz/project-access";
import type { ProjectPermission } from "@/lib/services/authz/project-roles";

/**
 * What the caller may do in one project (Harbor's `GET /users/current/permissions?scope=/project/<id>`),
 * sorted `resource:action` pairs. A project that does not exist and one the caller has no rights in
 * both answer with an empty list, so the answer does not reveal private project ids.
 */
export async function listOwnProjectPermissions({
  actor,
  projectId,
}: {
  actor: Actor;
  projectId: number;
}): Promise<ProjectPermission[]> {
  if (actor.kind === "anonymous") throw new UnauthenticatedError();
  let ref;
  try {
    ref = await findProjectRef(projectId);
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
  return [...(await projectPermissionsIn(actor, ref))].sort();
}
