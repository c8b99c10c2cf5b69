import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { type AddressRanges, parseStoredAddressRanges } from "@/lib/auth/client-address";
import { ValidationError } from "@/lib/errors";
import { findRegistryProject } from "@/lib/services/registry-auth/project-lookup";

/**
 * A project's own IP allowlist (issue 18 item 5): once a project lists addresses and ranges, its
 * members, robots and anonymous pullers may use it — console pages, REST and /v2 — only from
 * there. It narrows the system list (lib/services/ip-allowlist/ip-allowlist.ts), which the front
 * has already applied to every request.
 *
 * Who it binds: everyone but administrators and Wharf's own jobs (system actors, which have no
 * client address). Administrators are bound by the system list alone, so a project can never be
 * locked away from the people who repair it, and a Project Admin's list cannot shut out the
 * platform team. An unknown client address is outside every non-empty list.
 *
 * The list is read through the registry's project lookup (two seconds per process; a change bumps
 * the registry grant version, whose NOTIFY empties it on every instance), so the gateway's hot path
 * pays no query for it.
 */

/** Whether an actor is subject to project lists at all. */
export function boundByProjectAllowlists(actor: Actor): boolean {
  if (actor.kind === "system") return false;
  if (actor.kind === "user" && actor.isAdmin) return false;
  return true;
}

/** Compiled lists by their text: the same list is checked on every blob of a pull. */
const compiled = new Map<string, AddressRanges>();
const MAX_COMPILED = 1_000;

function rangesOf(entries: readonly string[]): AddressRanges {
  const key = entries.join(",");
  let ranges = compiled.get(key);
  if (!ranges) {
    ranges = parseStoredAddressRanges(entries);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, ranges);
  }
  return ranges;
}

/** Whether `address` is inside `entries` (an empty list admits every address). */
export function listAdmits(entries: readonly string[], address: string | null): boolean {
  if (entries.length === 0) return true;
  return address !== null && rangesOf(entries).has(address);
}

/** The message a refused client reads (and the audit row's reason). */
export function projectAddressRefusalMessage(projectName: string, address: string | null): string {
  return `Access to project ${projectName} from ${address ?? "an unknown address"} is not allowed by the project's IP allowlist. Ask a Project Admin to add your address.`;
}

/**
 * Null when `actor` may use project `projectName` from its client address; else the reason. A
 * project that no longer exists has no list (the caller's own lookup answers for it).
 */
export async function projectAddressRefusal(actor: Actor, projectName: string): Promise<string | null> {
  if (!boundByProjectAllowlists(actor)) return null;
  const project = await findRegistryProject(projectName);
  return project ? addressRefusalIn(actor, project, actor.client.ip) : null;
}

/** The same decision for a project already looked up (the gateway), with the request's address. */
export function addressRefusalIn(actor: Actor, project: { name: string; ipAllowlist: readonly string[] }, address: string | null): string | null {
  if (!boundByProjectAllowlists(actor) || listAdmits(project.ipAllowlist, address)) return null;
  return projectAddressRefusalMessage(project.name, address);
}

/**
 * A project list that would refuse the saver's own address is refused at its field: the Project
 * Admin saving it could not reach the project to undo it. Administrators are not bound by project
 * lists, so theirs is never refused for it.
 */
export function assertProjectListAdmitsSaver(actor: Actor, entries: readonly string[]): void {
  if (!boundByProjectAllowlists(actor) || listAdmits(entries, actor.client.ip)) return;
  const message = `Your own address (${actor.client.ip ?? "unknown"}) is not in the list: add it, or a range holding it, so you can still reach this project`;
  throw new ValidationError(`ipAllowlist: ${message}`, { ipAllowlist: [message] });
}
