import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { projectPermissionsFor, type ProjectRef } from "@/lib/services/authz/project-access";
import {
  REGISTRY_ACTION_PERMISSIONS,
  type ProjectPermission,
  type RegistryAction,
} from "@/lib/services/authz/project-roles";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { findRegistryProjects } from "@/lib/services/registry-auth/project-lookup";
import type { RegistryScope } from "@/lib/services/registry-auth/scope";
import type { AccessEntry } from "@/lib/services/registry-auth/token";

/** Registry actions in the order tokens list them; "*" asks for all of them. */
export const REGISTRY_ACTIONS = Object.keys(REGISTRY_ACTION_PERMISSIONS) as RegistryAction[];

/**
 * The actions of a request that the held project permissions allow, per Harbor's matrix
 * (REGISTRY_ACTION_PERMISSIONS). Unlike Harbor, which hands out everything the role holds, Wharf
 * grants only what was asked for: a token that can only do what the client meant to do.
 * Unknown actions are granted nothing.
 */
export function intersectActions(requested: readonly string[], held: ReadonlySet<ProjectPermission>): RegistryAction[] {
  const wanted = new Set<string>(requested.includes("*") ? REGISTRY_ACTIONS : requested);
  return REGISTRY_ACTIONS.filter((action) => wanted.has(action) && held.has(REGISTRY_ACTION_PERMISSIONS[action]));
}

/** The project a repository belongs to: its first path component. */
export function projectNameOf(repository: string): string {
  const slash = repository.indexOf("/");
  return slash < 0 ? repository : repository.slice(0, slash);
}

/**
 * What a token for `actor` may carry for the requested scopes: one entry per scope, with the
 * actions that are both asked for and held (possibly none). Projects are read in one query (or
 * from a two-second cache) and memberships in one more, however many repositories are asked for.
 */
export async function grantAccess(actor: Actor, scopes: readonly RegistryScope[]): Promise<AccessEntry[]> {
  const projectNames = [...new Set(scopes.filter((s) => s.type === "repository").map((s) => projectNameOf(s.name)))];
  const projects: ProjectRef[] = projectNames.length === 0 ? [] : await findRegistryProjects(projectNames);
  const byName = new Map(projects.map((p) => [p.name, p]));
  const permissions = await projectPermissionsFor(actor, projects);

  return scopes.map((scope): AccessEntry => {
    const entry = { type: scope.type, name: scope.name };
    if (scope.type === "repository") {
      const project = byName.get(projectNameOf(scope.name));
      // A repository needs a project ("project/name"); a bare name or a missing project gets nothing.
      const held = project && scope.name.includes("/") ? permissions.get(project.id) : undefined;
      return { ...entry, actions: held ? intersectActions(scope.actions, held) : [] };
    }
    if (scope.type === "registry" && scope.name === "catalog" && scope.actions.includes("*")) {
      return { ...entry, actions: hasSystemPermission(actor, "registry.catalog") ? ["*"] : [] };
    }
    // Other resource types (and registry resources other than the catalog) grant nothing.
    return { ...entry, actions: [] };
  });
}
