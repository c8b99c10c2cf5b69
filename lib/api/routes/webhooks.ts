/**
 * `/projects/{project_name_or_id}/webhook/…` in Harbor's shapes: policies (list, create, get, put,
 * delete), their executions and tasks (Harbor 2.8+'s view of the delivery log; one task per
 * execution) with the task's log, `lasttrigger`, `events` and the deprecated `jobs`; and Wharf's
 * extension `POST …/policies/{id}/test` ("Send test event", 202 with the delivery's id).
 */
import { parseInput, readJsonObject } from "@/lib/api/body";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { locationUnder, pathId, projectFromPath } from "@/lib/api/params";
import { parseQuery } from "@/lib/api/query";
import {
  supportedWebhookEventTypes,
  toHarborLastTrigger,
  toHarborWebhookExecution,
  toHarborWebhookJob,
  toHarborWebhookPolicy,
  toHarborWebhookTask,
  WEBHOOK_FIELDS,
  webhookInputFromHarbor,
  ZWebhookPolicyReq,
} from "@/lib/api/webhook-shapes";
import { created, ok, withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import {
  createWebhookPolicy,
  deleteWebhookPolicy,
  getWebhookDelivery,
  getWebhookDeliveryLog,
  getWebhookPolicy,
  listWebhookDeliveries,
  listWebhookPolicies,
  sendWebhookTestEvent,
  supportedWebhookEvents,
  updateWebhookPolicy,
  webhookLastTriggers,
} from "@/lib/services/webhooks/policies";

type ProjectParams = { project_name_or_id: string };
type PolicyParams = ProjectParams & { webhook_policy_id: string };
type ExecutionParams = PolicyParams & { execution_id: string };
type TaskParams = ExecutionParams & { task_id: string };

/** The service's field errors (shared names) as one 400 in Harbor's field names. */
async function harborFields<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ValidationError && Object.keys(error.fieldErrors).length) {
      const message = Object.entries(error.fieldErrors)
        .map(([field, messages]) => `${WEBHOOK_FIELDS[field] ?? field}: ${messages.join(", ")}`)
        .join("; ");
      throw new ValidationError(message, error.fieldErrors);
    }
    throw error;
  }
}

const policyId = (params: PolicyParams) => pathId(params.webhook_policy_id, "webhook_policy_id");

export const list = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const paging = parsePaging(url.searchParams);
  const name = parseQuery(url.searchParams.get("q"), { name: ["exact", "fuzzy"] }).get("name");
  const project = await projectFromPath(req, params.project_name_or_id);
  const page = await listWebhookPolicies({ actor, project, name, ...paging });
  return listResponse(url, page.rows.map(toHarborWebhookPolicy), page.total, paging);
});

export const create = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const body = parseInput(ZWebhookPolicyReq, await readJsonObject(req));
  const project = await projectFromPath(req, params.project_name_or_id);
  const policy = await harborFields(() => createWebhookPolicy({ actor, project, input: webhookInputFromHarbor(body) }));
  return created(locationUnder(url, policy.id));
});

export const get = withApi<PolicyParams>(async ({ req, actor, params }) => {
  const project = await projectFromPath(req, params.project_name_or_id);
  return Response.json(toHarborWebhookPolicy(await getWebhookPolicy({ actor, project, policyId: policyId(params) })));
});

/** Harbor's whole WebhookPolicy; absent fields keep theirs, a masked or absent auth header keeps the stored one. */
export const update = withApi<PolicyParams>(async ({ req, actor, params }) => {
  const id = policyId(params);
  const body = parseInput(ZWebhookPolicyReq, await readJsonObject(req));
  const project = await projectFromPath(req, params.project_name_or_id);
  const current = await getWebhookPolicy({ actor, project, policyId: id });
  await harborFields(() => updateWebhookPolicy({ actor, project, policyId: id, input: webhookInputFromHarbor(body, current) }));
  return ok();
});

export const remove = withApi<PolicyParams>(async ({ req, actor, params }) => {
  const project = await projectFromPath(req, params.project_name_or_id);
  await deleteWebhookPolicy({ actor, project, policyId: policyId(params) });
  return ok();
});

export const test = withApi<PolicyParams>(async ({ req, actor, params }) => {
  // No body is needed; one that is sent must still be a small JSON object (as every other POST's).
  await readJsonObject(req);
  const project = await projectFromPath(req, params.project_name_or_id);
  const { deliveryId } = await sendWebhookTestEvent({ actor, project, policyId: policyId(params) });
  return Response.json({ id: deliveryId }, { status: 202 });
});

export const executions = withApi<PolicyParams>(async ({ req, url, actor, params }) => {
  const paging = parsePaging(url.searchParams);
  const project = await projectFromPath(req, params.project_name_or_id);
  const page = await listWebhookDeliveries({ actor, project, policyId: policyId(params), ...paging });
  return listResponse(url, page.rows.map(toHarborWebhookExecution), page.total, paging);
});

export const tasks = withApi<ExecutionParams>(async ({ req, url, actor, params }) => {
  const paging = parsePaging(url.searchParams);
  const project = await projectFromPath(req, params.project_name_or_id);
  const delivery = await getWebhookDelivery({ actor, project, policyId: policyId(params), deliveryId: pathId(params.execution_id, "execution_id") });
  const rows = paging.page === 1 ? [toHarborWebhookTask(delivery)] : [];
  return listResponse(url, rows, 1, paging);
});

export const taskLog = withApi<TaskParams>(async ({ req, actor, params }) => {
  const project = await projectFromPath(req, params.project_name_or_id);
  const executionId = pathId(params.execution_id, "execution_id");
  if (pathId(params.task_id, "task_id") !== executionId) throw new ValidationError("task_id: no such task of this execution");
  const text = await getWebhookDeliveryLog({ actor, project, policyId: policyId(params), deliveryId: executionId });
  return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8" } });
});

export const lastTrigger = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const project = await projectFromPath(req, params.project_name_or_id);
  return Response.json((await webhookLastTriggers({ actor, project })).map(toHarborLastTrigger));
});

export const events = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const project = await projectFromPath(req, params.project_name_or_id);
  await supportedWebhookEvents({ actor, project });
  return Response.json(supportedWebhookEventTypes());
});

/** Harbor's deprecated job list: `policy_id` required; the policy's deliveries. */
export const jobs = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const paging = parsePaging(url.searchParams);
  const raw = url.searchParams.get("policy_id");
  if (!raw) throw new ValidationError("policy_id: required");
  const id = pathId(raw, "policy_id");
  const project = await projectFromPath(req, params.project_name_or_id);
  const policy = await getWebhookPolicy({ actor, project, policyId: id });
  const page = await listWebhookDeliveries({ actor, project, policyId: id, ...paging });
  return listResponse(url, page.rows.map((d) => toHarborWebhookJob(d, policy.targetType)), page.total, paging);
});
