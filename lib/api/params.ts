import { NotFoundError, ValidationError } from "@/lib/errors";
import { findProjectRef, type ProjectRef } from "@/lib/services/authz/project-access";

const MAX_INT4 = 2_147_483_647;

/** A numeric id in the path: not a number -> 400; beyond Postgres' int range -> 404 (cannot exist). */
export function pathId(value: string, name: string): number {
  if (!/^\d+$/.test(value)) throw new ValidationError(`${name}: must be a positive integer`);
  const id = Number(value);
  if (id < 1) throw new ValidationError(`${name}: must be a positive integer`);
  if (id > MAX_INT4) throw new NotFoundError(`No ${name} ${value}.`);
  return id;
}

/** Harbor's `X-Is-Resource-Name: true`: treat `{project_name_or_id}` as a name even if it is all digits. */
export function isResourceName(req: Request): boolean {
  return req.headers.get("x-is-resource-name")?.trim().toLowerCase() === "true";
}

/**
 * Resolves `{project_name_or_id}` to the project the services are then called with. A lookup only:
 * the service each route calls next decides whether the caller may see or change it (and answers
 * 404 for a private project the caller cannot read).
 */
export function projectFromPath(req: Request, nameOrId: string): Promise<ProjectRef> {
  return findProjectRef(nameOrId, { byName: isResourceName(req) });
}

/** `X-Resource-Name-In-Location: true` makes a 201's Location name the resource instead of its id. */
export function resourceNameInLocation(req: Request): boolean {
  return req.headers.get("x-resource-name-in-location")?.trim().toLowerCase() === "true";
}

/** The Location of a resource created under the request's path, as Harbor builds it. */
export function locationUnder(url: URL, idOrName: string | number): string {
  return `${url.pathname.replace(/\/+$/, "")}/${encodeURIComponent(String(idOrName))}`;
}
