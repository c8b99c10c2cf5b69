/**
 * `/replication/adapterinfos`, `/replication/policies` and `/replication/executions` (+ tasks and
 * task logs) in Harbor's shapes (lib/api/replication-shapes.ts), over the replication services;
 * Wharf's extensions: `GET /replication/policies/{id}/preview` (the dry run) and
 * `POST /replication/executions/{id}/retry` (the failed tasks only).
 */
import { parseInputs, readJsonObject } from "@/lib/api/body";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { locationUnder, pathId } from "@/lib/api/params";
import { parseQuery } from "@/lib/api/query";
import {
  policyInputFromHarbor,
  providerInfo,
  type RegistryProviderInfo,
  renameFieldErrors,
  toHarborReplicationExecution,
  toHarborReplicationPolicy,
  toHarborReplicationTask,
  toPreviewItem,
  ZReplicationPolicyReq,
  ZStartReplicationExecution,
} from "@/lib/api/replication-shapes";
import { ok, withApi } from "@/lib/api/with-api";
import type { Actor } from "@/lib/auth/actor";
import { getServerEnv } from "@/lib/env";
import { AppError, ConflictError, ValidationError } from "@/lib/errors";
import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { getRegistry, listRegistryTypes, type RegistrySummary } from "@/lib/services/registries/registries";
import {
  createReplicationPolicy,
  deleteReplicationPolicy,
  getReplicationPolicy,
  listReplicationPolicies,
  type ReplicationPolicyView,
  updateReplicationPolicy,
} from "@/lib/services/replication/policies";
import { previewReplicationPolicy } from "@/lib/services/replication/preview";
import {
  getReplicationExecution,
  getReplicationTaskLog,
  listReplicationExecutions,
  listReplicationTasks,
  retryFailedReplicationTasks,
  startReplication,
  stopReplication,
} from "@/lib/services/replication/runs";
import type { RegistryType } from "@/lib/validation/registries";

type IdParams = { id: string };
type TaskParams = { id: string; task_id: string };

const MAX_INT4 = 2_147_483_647;

// ---- adapters ----------------------------------------------------------------------------------

/** Docker Hub's registry API lives at one address; every other type takes the address of the registry. */
const FIXED_ENDPOINTS: Partial<Record<RegistryType, { key: string; value: string }>> = {
  "docker-hub": { key: "hub.docker.com", value: "https://registry-1.docker.io" },
};

export const adapterInfos = withApi(async ({ actor }) => {
  const types = await listRegistryTypes({ actor });
  const body: Record<string, RegistryProviderInfo> = Object.fromEntries(types.map((type) => [type, providerInfo(FIXED_ENDPOINTS[type] ?? null)]));
  return Response.json(body);
});

// ---- policies ----------------------------------------------------------------------------------

/** Harbor's shape names both registries in full: the endpoints of these policies, each read once. */
async function toHarbor(actor: Actor, policies: ReplicationPolicyView[]) {
  const endpoints = new Map<number, Promise<RegistrySummary>>();
  const endpointOf = (id: number) => {
    let found = endpoints.get(id);
    if (!found) endpoints.set(id, (found = getRegistry({ actor, registryId: id })));
    return found;
  };
  const { externalUrl } = getServerEnv();
  return Promise.all(policies.map(async (p) => toHarborReplicationPolicy(p, await endpointOf(p.endpoint.id), externalUrl)));
}

function policyBody(raw: Record<string, unknown>) {
  const [body] = parseInputs([ZReplicationPolicyReq, raw]);
  return body;
}

export const listPolicies = withApi(async ({ url, actor }) => {
  const paging = parsePaging(url.searchParams);
  const terms = parseQuery(url.searchParams.get("q"), { name: ["exact", "fuzzy"] });
  // Harbor's deprecated `name` parameter: a substring of the name.
  const legacyName = url.searchParams.get("name");
  const name = terms.get("name") ?? (legacyName ? { op: "fuzzy" as const, value: legacyName } : undefined);
  const page = await listReplicationPolicies({ actor, query: { name, ...paging } });
  return listResponse(url, await toHarbor(actor, page.rows), page.total, paging);
});

export const createPolicy = withApi(async ({ req, url, actor }) => {
  const { input, fields } = policyInputFromHarbor(policyBody(await readJsonObject(req)), { creating: true });
  const policy = await createReplicationPolicy({ actor, input }).catch((err: unknown) => renameFieldErrors(err, fields));
  return new Response(null, { status: 201, headers: { Location: locationUnder(url, policy.id) } });
});

export const getPolicy = withApi<IdParams>(async ({ actor, params }) => {
  const policy = await getReplicationPolicy({ actor, policyId: pathId(params.id, "id") });
  const [body] = await toHarbor(actor, [policy]);
  return Response.json(body);
});

/** Harbor's PUT takes the whole policy; Wharf's `copy_parallelism` keeps its value when absent. */
export const updatePolicy = withApi<IdParams>(async ({ req, actor, params }) => {
  const policyId = pathId(params.id, "id");
  const { input, fields } = policyInputFromHarbor(policyBody(await readJsonObject(req)), { creating: false });
  await updateReplicationPolicy({ actor, policyId, input }).catch((err: unknown) => renameFieldErrors(err, fields));
  return ok();
});

/** A policy with an execution in progress is not deleted: 412, as Harbor answers. */
export const deletePolicy = withApi<IdParams>(async ({ actor, params }) => {
  await deleteReplicationPolicy({ actor, policyId: pathId(params.id, "id") }).catch((err: unknown) => {
    if (err instanceof ConflictError) throw new AppError(err.message, 412, "PRECONDITION");
    throw err;
  });
  return ok();
});

/**
 * The dry run: what a run started now would copy or skip, and why. A remote endpoint that cannot
 * be read is the endpoint's state, not Wharf's (a 503 says Wharf itself is down): 409 naming it and
 * the cause, as Test connection names it.
 */
export const previewPolicy = withApi<IdParams>(async ({ actor, params }) => {
  const planned = await previewReplicationPolicy({ actor, policyId: pathId(params.id, "id") }).catch((err: unknown) => {
    if (err instanceof RegistryUnavailableError) throw new ConflictError(`The preview cannot read the remote registry: ${err.message}`);
    if (err instanceof RegistryError) throw new ConflictError(`The remote registry refused the preview's request: ${err.message}`);
    throw err;
  });
  return Response.json(planned.map(toPreviewItem));
});

// ---- executions --------------------------------------------------------------------------------

const EXECUTION_STATUSES = ["InProgress", "Succeed", "Failed", "Stopped"];
const TASK_STATUSES = ["Pending", "InProgress", "Succeed", "Failed", "Stopped"];
const TRIGGERS = ["manual", "scheduled", "event_based"];

function enumParam(params: URLSearchParams, name: string, allowed: readonly string[]): string | undefined {
  const value = params.get(name);
  if (value === null || value === "") return undefined;
  if (!allowed.includes(value)) throw new ValidationError(`${name}: must be one of ${allowed.join(", ")}`);
  return value;
}

function idParam(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === null || value === "") return undefined;
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > MAX_INT4) throw new ValidationError(`${name}: must be a positive integer`);
  return Number(value);
}

export const listExecutions = withApi(async ({ url, actor }) => {
  const paging = parsePaging(url.searchParams);
  const query = {
    policyId: idParam(url.searchParams, "policy_id"),
    status: enumParam(url.searchParams, "status", EXECUTION_STATUSES),
    trigger: enumParam(url.searchParams, "trigger", TRIGGERS),
    ...paging,
  };
  const page = await listReplicationExecutions({ actor, query });
  return listResponse(url, page.rows.map(toHarborReplicationExecution), page.total, paging);
});

/** `{policy_id}`: 201 with the execution's Location. */
export const startExecution = withApi(async ({ req, url, actor }) => {
  const [body] = parseInputs([ZStartReplicationExecution, await readJsonObject(req)]);
  const { executionId } = await startReplication({ actor, policyId: body.policy_id });
  return new Response(null, { status: 201, headers: { Location: locationUnder(url, executionId) } });
});

export const getExecution = withApi<IdParams>(async ({ actor, params }) => {
  return Response.json(toHarborReplicationExecution(await getReplicationExecution({ actor, executionId: pathId(params.id, "id") })));
});

/** Harbor's stop: a PUT without a body (one sent is read, so a malformed one is still a 400). */
export const stopExecution = withApi<IdParams>(async ({ req, actor, params }) => {
  const executionId = pathId(params.id, "id");
  await readJsonObject(req);
  await stopReplication({ actor, executionId });
  return ok();
});

/** Wharf's extension: the failed tasks of an ended execution run again, and only those. */
export const retryExecution = withApi<IdParams>(async ({ req, actor, params }) => {
  const executionId = pathId(params.id, "id");
  await readJsonObject(req);
  const { tasks } = await retryFailedReplicationTasks({ actor, executionId });
  return Response.json({ execution_id: executionId, tasks });
});

export const listTasks = withApi<IdParams>(async ({ url, actor, params }) => {
  const executionId = pathId(params.id, "id");
  const paging = parsePaging(url.searchParams);
  if (url.searchParams.get("resource_type")) throw new ValidationError("resource_type: not supported (filter by status)");
  const page = await listReplicationTasks({ actor, executionId, query: { status: enumParam(url.searchParams, "status", TASK_STATUSES), ...paging } });
  return listResponse(url, page.rows.map(toHarborReplicationTask), page.total, paging);
});

export const taskLog = withApi<TaskParams>(async ({ actor, params }) => {
  const text = await getReplicationTaskLog({ actor, executionId: pathId(params.id, "id"), taskId: pathId(params.task_id, "task_id") });
  return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8" } });
});
