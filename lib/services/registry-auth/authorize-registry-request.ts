import "server-only";
import type { Actor, ClientInfo } from "@/lib/auth/actor";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import { recordRefusal } from "@/lib/services/audit/record-audit-event";
import { addressRefusalIn } from "@/lib/services/ip-allowlist/project-address-rule";
import type { RegistryAction } from "@/lib/services/authz/project-roles";
import { artifactName } from "@/lib/services/repositories/record-registry-traffic";
import { actionsInMissingProject, readCurrentGrants, type GrantReader } from "@/lib/services/registry-auth/current-grant";
import { projectNameOf } from "@/lib/services/registry-auth/grant";
import { findRegistryProject } from "@/lib/services/registry-auth/project-lookup";
import type { RegistryCaller } from "@/lib/services/registry-auth/registry-caller";
import { actionsFor, type RegistryTarget } from "@/lib/services/registry-auth/registry-target";
import { isScannerSubject } from "@/lib/services/registry-auth/scanner-grant";
import { tokenGrants } from "@/lib/services/registry-auth/token";
import { actorForTokenSubject } from "@/lib/services/registry-auth/token-subject";

/**
 * Why a repository request was refused, as data; the gateway turns it into the registry's answer.
 * - insufficient_scope: the token or the current grant lacks `needed` (a failure row was written
 *   when the caller presented credentials for a push, pull or delete);
 * - account_gone: the token's account was deleted, disabled or has expired since it was issued;
 * - stale_token: the token predates the project or the account's last credential change;
 * - address_refused: the request's client address is outside the project's own IP allowlist;
 * - project_unknown / project_missing: the project does not exist, told only to a caller who would
 *   hold the request's actions in it (reads and deletes: unknown name; pushes: create it first).
 */
export type RegistryRefusal =
  | { kind: "insufficient_scope"; needed: RegistryAction[] }
  | { kind: "account_gone" }
  | { kind: "stale_token"; message: string }
  | { kind: "address_refused"; message: string }
  | { kind: "project_unknown"; project: string }
  | { kind: "project_missing"; project: string };

export type RegistryAuthorization =
  | {
      ok: true;
      /** The audit actor: the Basic login's, or the token subject's as it is now. */
      actor: Actor;
      projectId: number;
      /** The project's upstream registry endpoint when it is a proxy cache (lib/services/proxy-cache). */
      proxyRegistryId: number | null;
      /** This request's grant reader (the grant version read once), for further checks (a mount source). */
      grants: GrantReader;
    }
  | { ok: false; refusal: RegistryRefusal };

/**
 * May `caller` do what `method` needs on `target` now? The project must exist, and both the token
 * and the subject's current grant (current-grant.ts) must cover the request: a member removed, a
 * role lowered, a robot disabled or a project made private since the token was issued stops at the
 * next request. A refused push, pull or delete writes one failure row (recordRegistryRefusal).
 */
export async function authorizeRegistryRequest(caller: RegistryCaller, target: RegistryTarget, method: string, client: ClientInfo): Promise<RegistryAuthorization> {
  const needed = actionsFor(method, target.kind);
  // Read before the project: a grant change committed before this request arrived is seen.
  const grants = await readCurrentGrants();
  const project = await findRegistryProject(projectNameOf(target.name));
  if (!project) return { ok: false, refusal: await projectMissing(caller, target, method, needed, client) };

  const current = await grants.grantIn(caller.subject, project.id, client);
  if (!current.actor) return { ok: false, refusal: { kind: "account_gone" } };
  const actor: Actor = caller.actor ?? current.actor;
  const tokenAllows = tokenGrants(caller, "repository", target.name, needed);
  const stillHeld = needed.every((action) => current.actions.has(action));
  if (!tokenAllows || !stillHeld) {
    const reason = tokenAllows
      ? `no longer holds ${needed.filter((action) => !current.actions.has(action)).join(" and ")} on ${target.name} (revoked after the token was issued)`
      : `the token does not grant ${needed.join(" and ")} on ${target.name}`;
    await recordRegistryRefusal(actor, target, method, project.id, reason);
    return { ok: false, refusal: { kind: "insufficient_scope", needed } };
  }
  // The project's own IP allowlist, told (403, its own message) only to a caller who holds the request otherwise.
  const addressRefusal = addressRefusalIn(actor, project, client.ip);
  if (addressRefusal) {
    await recordRegistryRefusal(actor, target, method, project.id, addressRefusal);
    return { ok: false, refusal: { kind: "address_refused", message: addressRefusal } };
  }
  // Only now, to a caller who may use the project: what it says about the project's history.
  if (caller.issuedAt < Math.floor(project.createdAt.getTime() / 1000)) {
    return { ok: false, refusal: { kind: "stale_token", message: `The token was issued before project ${project.name} was created; get a new one.` } };
  }
  if (caller.issuedAt < current.tokensValidFrom) {
    return { ok: false, refusal: { kind: "stale_token", message: "The token was issued before this account's credentials last changed; get a new one." } };
  }
  return { ok: true, actor, projectId: project.id, proxyRegistryId: project.proxyRegistryId, grants };
}

/** Whether the caller may pull `repository` now: by its token and by its current grant (a mount source). */
export async function mayPullNow(caller: RegistryCaller, repository: string, grants: GrantReader, client: ClientInfo): Promise<boolean> {
  if (!tokenGrants(caller, "repository", repository, ["pull"])) return false;
  const project = await findRegistryProject(projectNameOf(repository));
  if (project === null) return false;
  const current = await grants.grantIn(caller.subject, project.id, client);
  if (!current.actions.has("pull")) return false;
  const actor = caller.actor ?? current.actor;
  return actor !== null && addressRefusalIn(actor, project, client.ip) === null;
}

/**
 * Who may list what in the catalog: a token granting `registry:catalog:*` (administrators) gets the
 * registry's own catalog, with repositories written behind Wharf's back; anyone else the
 * repositories they may pull, as the account is now.
 */
export type CatalogAccess = { kind: "registry" } | { kind: "pullable"; actor: Actor } | { kind: "account_gone" };

export async function catalogAccess(caller: RegistryCaller, client: ClientInfo): Promise<CatalogAccess> {
  if (tokenGrants(caller, "registry", "catalog", ["*"])) return { kind: "registry" };
  // A scanner's token pulls one repository; it lists nothing.
  if (isScannerSubject(caller.subject)) return { kind: "account_gone" };
  const actor = caller.actor ?? (await actorForTokenSubject(caller.subject, client));
  return actor ? { kind: "pullable", actor } : { kind: "account_gone" };
}

/**
 * A repository in a project that does not exist. Only a caller who would hold the request's
 * actions in it (an administrator, a robot granted every project or that name) is told so; anyone
 * else gets exactly the refusal a private project they cannot use gets (the same challenge, body
 * and failure row), so that no caller without a grant can tell a missing project from a private one.
 */
async function projectMissing(caller: RegistryCaller, target: RegistryTarget, method: string, needed: RegistryAction[], client: ClientInfo): Promise<RegistryRefusal> {
  const actor = caller.actor ?? (await actorForTokenSubject(caller.subject, client));
  if (!actor) return { kind: "account_gone" };
  const project = projectNameOf(target.name);
  const held = await actionsInMissingProject(actor, project);
  if (!needed.every((action) => held.has(action))) {
    await recordRegistryRefusal(actor, target, method, null, `the token does not grant ${needed.join(" and ")} on ${target.name}`);
    return { kind: "insufficient_scope", needed };
  }
  // No silent creation: projects are made in Wharf, with an owner and members.
  return method === "GET" || method === "HEAD" || method === "DELETE" ? { kind: "project_unknown", project } : { kind: "project_missing", project };
}

/**
 * A refused push, pull (manifest GET) or delete by a caller who presented credentials: one failure
 * row, as for a refused action in the console, naming the operation its success row names. Not
 * recorded: HEAD and blob reads (a client probes those constantly) and requests without
 * credentials, which are the normal first step of the token handshake rather than an attempt. A
 * token whose account has since been disabled or deleted is refused before this (account_gone):
 * the change that matters was recorded when it was made. Policy hooks that refuse (lib/gateway)
 * record through here too.
 */
export async function recordRegistryRefusal(actor: Actor, target: RegistryTarget, method: string, projectId: number | null, reason: string): Promise<void> {
  const attempt = refusedAttempt(target, method);
  if (!attempt) return;
  await recordRefusal({
    actor,
    action: attempt.action,
    resource: { type: attempt.resourceType, name: attempt.name },
    projectId,
    reason,
    detail: { method, path: target.kind },
  });
}

function refusedAttempt(target: RegistryTarget, method: string): { action: AuditOperation; resourceType: string; name: string } | null {
  switch (target.kind) {
    case "manifest": {
      const name = artifactName(target.name, target.reference);
      if (method === "GET") return { action: "artifact.pull", resourceType: "artifact", name };
      if (method === "PUT") return { action: "artifact.push", resourceType: "artifact", name };
      if (method === "DELETE") return { action: "artifact.delete", resourceType: "artifact", name };
      return null;
    }
    case "blob":
      return method === "DELETE" ? { action: "blob.delete", resourceType: "blob", name: `${target.name}@${target.digest}` } : null;
    case "upload-start":
    case "upload":
      return { action: "artifact.push", resourceType: "repository", name: target.name };
    default:
      return null;
  }
}
