import "server-only";
import type { Actor, ClientInfo } from "@/lib/auth/actor";
import { processCache } from "@/lib/cache/process-cache";
import { db } from "@/lib/db/client";
import { projectPermissionsIn } from "@/lib/services/authz/project-access";
import type { RegistryAction } from "@/lib/services/authz/project-roles";
import { intersectActions } from "@/lib/services/registry-auth/grant";
import { readGrantVersion } from "@/lib/services/registry-auth/grant-version";
import { isScannerSubject, scannerGrantIn } from "@/lib/services/registry-auth/scanner-grant";
import { activeActor, findTokenSubject, type SubjectRecord } from "@/lib/services/registry-auth/token-subject";

/**
 * What a token's subject may do in a project now, as opposed to what its token says: a token
 * lives five minutes, and a member removed, a role lowered, a robot disabled or a project made
 * private in that time must stop at the next request. The gateway checks both on every repository
 * request (manifests, blobs, uploads): the token for what the client asked for, this for what the
 * subject still holds.
 *
 * Blob requests are the hot path (a pull is dozens of them), so grants are cached per
 * (subject, project), tagged with the registry grant version they were computed under
 * (grant-version.ts). The version is read once per request and a cached grant is used only under
 * the same version; any grant change anywhere bumps it, in the transaction of the change, so the
 * cache is exact across Wharf processes. Reading the version before the grant rows keeps it so:
 * a grant computed from rows at least as new as its tag can never be older than the tag says.
 *
 * A change written behind the services (SQL by hand) bumps nothing: it is seen within a minute,
 * when the entry is older than MAX_AGE_MS and computed again.
 *
 * Accounts that do not exist are not cached (creating a user or robot is not a grant change, so a
 * cached absence could outlive it); disabled ones are (enabling bumps the version). A robot's
 * expiry needs no change to take effect and is checked on every use.
 */
export type CurrentGrant = {
  /** Null: the account was deleted, disabled or has expired since the token was issued. */
  actor: Actor | null;
  /** Registry actions the subject holds in the project now (none if the project is gone). */
  actions: ReadonlySet<RegistryAction>;
  /** Seconds: tokens issued earlier are refused (see SubjectRecord). */
  tokensValidFrom: number;
};

type Entry = { version: bigint; record: SubjectRecord; actions: ReadonlySet<RegistryAction> };

/*
 * Needs no invalidation across instances: an entry is used only under the grant version it was
 * computed under, and the version is read from Postgres on every request. The time to live
 * (MAX_AGE_MS) only bounds changes written behind the services.
 */
const MAX_AGE_MS = 60_000;
const entries = processCache<Entry>({ name: "current-grants", max: 10_000, ttlMs: MAX_AGE_MS, invalidatedBy: null });
// On globalThis with the entries (processCache): Next's bundle and Wharf's front each load a copy of this module.
const versionHolder = globalThis as unknown as { wharfCurrentGrantsVersion?: { version: bigint } };
const seen = (versionHolder.wharfCurrentGrantsVersion ??= { version: -1n });

/** The grants of one request: the version is read once, however many projects it touches. */
export class GrantReader {
  constructor(private readonly version: bigint) {}

  grantIn(subject: string, projectId: number, client: ClientInfo): Promise<CurrentGrant> {
    return grantIn(this.version, subject, projectId, client);
  }
}

export async function readCurrentGrants(): Promise<GrantReader> {
  const version = await readGrantVersion();
  if (version > seen.version) {
    // Everything cached is stale now; drop it rather than let it sit until evicted.
    entries.clear();
    seen.version = version;
  }
  return new GrantReader(version);
}

async function grantIn(version: bigint, subject: string, projectId: number, client: ClientInfo): Promise<CurrentGrant> {
  const key = `${projectId}\0${subject}`;
  let entry = entries.get(key);
  if (!entry || entry.version !== version) {
    const computed = await computeGrant(subject, projectId);
    if (!computed) return { actor: null, actions: new Set(), tokensValidFrom: 0 };
    entry = { version, ...computed };
    entries.set(key, entry);
  }
  const actor = activeActor(entry.record, client, Date.now());
  return { actor, actions: actor ? entry.actions : new Set(), tokensValidFrom: entry.record.tokensValidFrom };
}

async function computeGrant(subject: string, projectId: number): Promise<Omit<Entry, "version" | "computedAt"> | null> {
  // A scanner's token: pull in its scan's project while the scan lives, never more (scanner-grant.ts).
  if (isScannerSubject(subject)) return scannerGrantIn(subject, projectId);
  const record = await findTokenSubject(subject);
  if (!record) return null;
  // Read fresh, not from project-lookup's short cache: visibility and deletion are grant changes.
  const project = await db.project.findUnique({ where: { id: projectId }, select: { id: true, name: true, isPublic: true } });
  if (!record.actor || !project) return { record, actions: new Set() };
  const held = await projectPermissionsIn({ ...record.actor, client: { ip: null, userAgent: null } } as Actor, project);
  return { record, actions: new Set(intersectActions(["*"], held)) };
}

/**
 * What `actor` would hold in a project named `name` that does not exist: it has no members and is
 * not public, so only holders of every project (administrators) or of that name (robots granted
 * "*" or the name) hold anything. Lets the gateway tell exactly them that it does not exist, and
 * answer everyone else as it answers for a private project they cannot use.
 */
export async function actionsInMissingProject(actor: Actor, name: string): Promise<ReadonlySet<RegistryAction>> {
  if (actor.kind === "user" && !actor.isAdmin) return new Set();
  if (actor.kind === "system" && isScannerSubject(actor.name)) return new Set();
  const held = await projectPermissionsIn(actor, { id: 0, name, isPublic: false });
  return new Set(intersectActions(["*"], held));
}

/** Forgets every cached grant (tests that change grants behind the services' back). */
export function forgetCurrentGrants(): void {
  entries.clear();
}
