import "server-only";
import { type Outcome, attempt } from "@/lib/actions/attempt";
import type { Actor } from "@/lib/auth/actor";
import { NotFoundError } from "@/lib/errors";
import { getReplicationPolicy, type ReplicationPolicyView } from "@/lib/services/replication/policies";
import { listRegistries } from "@/lib/services/registries/registries";
import type { EndpointOption } from "@/app/(console)/admin/replications/form-values";
import { ZId } from "@/lib/validation/common";
import { MAX_PAGE_SIZE } from "@/lib/validation/pagination";

/** The policy a page's `[policyId]` names (read through the service, which authorizes). */
export async function loadPolicy(actor: Actor, rawId: string): Promise<Outcome<ReplicationPolicyView>> {
  const id = ZId.safeParse(rawId);
  if (!id.success) return { ok: false, error: new NotFoundError("There is no such replication policy.") };
  return attempt(() => getReplicationPolicy({ actor, policyId: id.data }));
}

/** The endpoints a policy can use, for the form's select (the first 100 by name). */
export async function loadEndpointOptions(actor: Actor): Promise<Outcome<EndpointOption[]>> {
  const page = await attempt(() => listRegistries({ actor, query: { page: 1, pageSize: MAX_PAGE_SIZE } }));
  return page.ok ? { ok: true, value: page.value.rows.map((r) => ({ id: r.id, name: r.name, url: r.url })) } : page;
}
