import "server-only";
import { type Actor, systemActor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { NotFoundError } from "@/lib/errors";
import { replicationFilterSchema } from "@/lib/policy/replication";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import type { RegistryClient } from "@/lib/registry/client";
import { endpointClient } from "@/lib/registry/endpoint";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { endpointConnection } from "@/lib/services/registries/registries";
import { indexSourceArtifacts, planReplication, remoteSourceArtifacts, type PlannedArtifact, type PlanPolicy, type SourceArtifact } from "@/lib/services/replication/plan";

/** Where a policy's artifacts come from and go to: push reads Wharf's index and writes the remote; pull the reverse. */
export type PolicyEnds = { policy: PlanPolicy & { direction: string }; sources: AsyncIterable<SourceArtifact>; source: RegistryClient; destination: RegistryClient };

/** The plan's inputs for a stored policy (the run's job calls this too, so preview and run agree). */
export async function policyEnds(policyId: number): Promise<PolicyEnds> {
  const row = await db.replicationPolicy.findUnique({ where: { id: policyId }, select: { direction: true, endpointId: true, filters: true, destNamespace: true, flattening: true, override: true } });
  if (!row) throw new NotFoundError(`Replication policy ${policyId} does not exist.`);
  const filters = replicationFilterSchema.parse(row.filters);
  const policy = { direction: row.direction, filters, destNamespace: row.destNamespace, flattening: row.flattening, override: row.override };
  // The stored secret is opened by the system: the caller's own permission was checked before.
  const remote = endpointClient(await endpointConnection({ actor: systemActor("replication"), registryId: row.endpointId }));
  const local = getBackingRegistry();
  return row.direction === "pull"
    ? { policy, sources: remoteSourceArtifacts(remote, filters), source: remote, destination: local }
    : { policy, sources: indexSourceArtifacts(filters), source: local, destination: remote };
}

/**
 * The dry-run preview (Wharf's extension to Harbor's API): what a run started now would copy and
 * skip, artifact by artifact, and why. Only administrators: it connects to the remote with the
 * endpoint's stored credentials. It changes nothing, so it writes no audit row.
 */
export async function previewReplicationPolicy({ actor, policyId }: { actor: Actor; policyId: number }): Promise<PlannedArtifact[]> {
  await assertSystemPermission(actor, "replication_execution.start", { type: "replication_policy", id: policyId });
  const ends = await policyEnds(policyId);
  return planReplication({ policy: ends.policy, sources: ends.sources, destination: ends.destination });
}
