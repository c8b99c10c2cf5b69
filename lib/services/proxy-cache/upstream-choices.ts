import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

/** At most this many endpoints are offered in the New project form (a select, not a list page). */
export const UPSTREAM_CHOICES_MAX = 200;

export type UpstreamChoice = { id: number; name: string; url: string; type: string };

/**
 * The registry endpoints a proxy-cache project may be created over, for the New project form: null
 * for anyone who may not create one (createProject refuses them in any case), so the form shows
 * no proxy-cache section.
 */
export async function proxyUpstreamChoices({ actor }: { actor: Actor }): Promise<UpstreamChoice[] | null> {
  if (!hasSystemPermission(actor, "registry_endpoint.create")) return null;
  return db.registryEndpoint.findMany({ select: { id: true, name: true, url: true, type: true }, orderBy: { name: "asc" }, take: UPSTREAM_CHOICES_MAX });
}
