/**
 * `/retentions` in Harbor's shapes (RetentionPolicy, RetentionExecution, RetentionExecutionTask,
 * RetentionMetadata). A policy's id is its project's policy. Wharf's extensions: a selector's
 * `kind` may be `regex` (RE2, whole string) besides Harbor's `doublestar`, and the system-wide
 * default policy (scope level `system`) is read and set at /retentions/system-default.
 */
import { z } from "zod";
import { readJsonObject } from "@/lib/api/body";
import { locationUnder, pathId } from "@/lib/api/params";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { ok, withApi } from "@/lib/api/with-api";
import { ConflictError, NotFoundError, ValidationError } from "@/lib/errors";
import { RETENTION_TEMPLATES } from "@/lib/policy/retention";
import { RETENTION_PARAM_OF, retentionRuleToHarbor } from "@/lib/policy/retention-harbor";
import { LABEL_SELECTOR_DECORATIONS, labelNamesFromHarbor, SELECTOR_KINDS, tagSelectorFromHarbor } from "@/lib/policy/selectors";
import {
  clearProjectRetention,
  getProjectRetention,
  getSystemRetentionDefault,
  projectOfRetentionPolicy,
  type RetentionPolicyView,
  setProjectRetention,
  setSystemRetentionDefault,
} from "@/lib/services/retention/policies";
import { getRetentionTaskLog, listRetentionExecutions, listRetentionTasks, type RetentionExecutionView, startRetentionRun, stopRetentionRun } from "@/lib/services/retention/runs";

// ---- Harbor's shapes -----------------------------------------------------------------------------

export const ZHarborRetentionSelector = z.object({
  kind: z.string().optional().describe("`doublestar` (Harbor's) or `regex` (Wharf's extension: RE2, matched against the whole string); in `tag_selectors` also `label` (Harbor's label selector)."),
  decoration: z.string().describe("Tags: `matches` or `excludes`; labels: `withLabels` (every named label) or `withoutLabels` (none of them); repositories: `repoMatches` or `repoExcludes`."),
  pattern: z.string().describe("A pattern; for a `label` selector the label names, comma-separated."),
  extras: z.string().optional().describe('Tags only: `{"untagged": true|false}`.'),
});

export const ZHarborRetentionRule = z.object({
  id: z.int().optional(),
  priority: z.int().optional(),
  disabled: z.boolean().optional(),
  action: z.string().optional().describe("Always `retain`."),
  template: z.string(),
  params: z.record(z.string(), z.unknown()).optional(),
  tag_selectors: z.array(ZHarborRetentionSelector),
  scope_selectors: z.object({ repository: z.array(ZHarborRetentionSelector) }),
});

export const ZHarborRetentionPolicy = z.object({
  id: z.int().optional(),
  algorithm: z.string().optional().describe("Always `or`: an artifact is kept when any rule keeps it."),
  rules: z.array(ZHarborRetentionRule),
  trigger: z
    .object({ kind: z.string().optional(), settings: z.object({ cron: z.string().optional() }).optional(), references: z.record(z.string(), z.unknown()).optional() })
    .optional()
    .describe("`kind: Schedule`; `settings.cron` 5 fields, or 6 with seconds `0`; empty: no schedule."),
  scope: z.object({ level: z.string(), ref: z.int() }).describe("`level: project`, `ref`: the project id; for the system default (Wharf's extension) `level: system`, `ref: 0`."),
});

export const ZHarborRetentionExecution = z.object({
  id: z.int(),
  policy_id: z.int(),
  start_time: z.string(),
  end_time: z.string(),
  status: z.string(),
  trigger: z.string(),
  dry_run: z.boolean(),
});

export const ZHarborRetentionTask = z.object({
  id: z.int(),
  execution_id: z.int(),
  repository: z.string(),
  job_id: z.string(),
  status: z.string(),
  status_code: z.int(),
  status_revision: z.int(),
  start_time: z.string(),
  end_time: z.string(),
  total: z.int(),
  retained: z.int(),
});

export const ZHarborRetentionMetadata = z.object({
  templates: z.array(z.object({ rule_template: z.string(), display_text: z.string(), action: z.string(), params: z.array(z.object({ type: z.string(), unit: z.string(), required: z.boolean() })) })),
  scope_selectors: z.array(z.object({ display_text: z.string(), kind: z.string(), decorations: z.array(z.string()) })),
  tag_selectors: z.array(z.object({ display_text: z.string(), kind: z.string(), decorations: z.array(z.string()) })),
});

export const ZRetentionExecutionReq = z.object({ dry_run: z.boolean().optional() });
export const ZRetentionExecutionPatch = z.object({ action: z.literal("stop") });

// ---- conversion --------------------------------------------------------------------------------


function ruleFromHarbor(rule: z.infer<typeof ZHarborRetentionRule>, index: number): unknown {
  // One tag selector and at most one label selector (Harbor's console sends these; Harbor applies them in turn).
  const tagSelectors = rule.tag_selectors.filter((s) => s.kind !== "label");
  const labelSelectors = rule.tag_selectors.filter((s) => s.kind === "label");
  const tag = tagSelectors[0];
  const repo = rule.scope_selectors.repository[0];
  if (tagSelectors.length !== 1) throw new ValidationError(`rules[${index}].tag_selectors: give exactly one tag selector (and at most one of kind label)`);
  if (labelSelectors.length > 1) throw new ValidationError(`rules[${index}].tag_selectors: at most one selector of kind label`);
  const label = labelSelectors[0];
  if (rule.scope_selectors.repository.length !== 1) throw new ValidationError(`rules[${index}].scope_selectors.repository: give exactly one selector`);
  let untagged: boolean | undefined;
  if (tag!.extras) {
    try {
      const extras = JSON.parse(tag!.extras) as { untagged?: unknown };
      if (typeof extras.untagged === "boolean") untagged = extras.untagged;
    } catch {
      throw new ValidationError(`rules[${index}].tag_selectors[0].extras: not JSON`);
    }
  }
  const tagKind = tag!.kind ?? "doublestar";
  const tags = { ...tagSelectorFromHarbor(tag!.decoration as "matches", tag!.pattern, untagged), kind: tagKind };
  const repoDecoration = repo!.decoration === "repoMatches" ? "matches" : repo!.decoration === "repoExcludes" ? "excludes" : repo!.decoration;
  const param = RETENTION_PARAM_OF[rule.template];
  const value = param ? rule.params?.[rule.template] : undefined;
  return {
    template: rule.template,
    ...(param ? { [param]: value } : {}),
    disabled: rule.disabled ?? false,
    repositories: { decoration: repoDecoration, kind: repo!.kind ?? "doublestar", pattern: repo!.pattern },
    tags,
    // An empty label list selects everything in Harbor: no label selector.
    labels: label && labelNamesFromHarbor(label.pattern).length > 0 ? { decoration: label.decoration, labels: labelNamesFromHarbor(label.pattern) } : null,
  };
}

/** Harbor sends 6-field crons (seconds first, always 0); Wharf schedules on 5. */
function cronFromHarbor(cron: string | undefined): string | null {
  const text = (cron ?? "").trim();
  if (text === "") return null;
  const fields = text.split(/\s+/);
  return fields.length === 6 && fields[0] === "0" ? fields.slice(1).join(" ") : text;
}

/** The service's field messages (`rules.0.count`) in Harbor's names, in one 400. */
function harborFieldMessage(error: unknown): never {
  if (error instanceof ValidationError && Object.keys(error.fieldErrors).length > 0) {
    const names = (key: string) =>
      key
        .replace(/^rules\.(\d+)\.(count|days)$/, (_, i: string) => `rules[${i}].params`)
        .replace(/^rules\.(\d+)\.repositories\./, (_, i: string) => `rules[${i}].scope_selectors.repository[0].`)
        .replace(/^rules\.(\d+)\.tags\./, (_, i: string) => `rules[${i}].tag_selectors[0].`)
        .replace(/^rules\.(\d+)\.labels(\.labels.*)?$/, (_, i: string) => `rules[${i}].tag_selectors[1].pattern`)
        .replace(/^rules\.(\d+)\.labels\.decoration$/, (_, i: string) => `rules[${i}].tag_selectors[1].decoration`)
        .replace(/^rules\.(\d+)/, (_, i: string) => `rules[${i}]`)
        .replace(/^schedule$/, "trigger.settings.cron");
    throw new ValidationError(
      Object.entries(error.fieldErrors)
        .map(([k, v]) => `${names(k)}: ${v.join(" ")}`)
        .join("; "),
      error.fieldErrors,
    );
  }
  throw error;
}

function policyInput(raw: Record<string, unknown>, level: "project" | "system" = "project"): { projectId: number; input: unknown } {
  const parsed = ZHarborRetentionPolicy.safeParse(raw);
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => `${i.path.join(".") || "policy"}: ${i.message}`).join("; "));
  const body = parsed.data;
  if (body.scope.level !== level) {
    throw new ValidationError(level === "project" ? "scope.level: only `project` policies have a REST id; the system default is at /retentions/system-default" : "scope.level: must be `system` here");
  }
  if (body.algorithm !== undefined && body.algorithm !== "or") throw new ValidationError("algorithm: only `or` is supported");
  const rules = body.rules.map(ruleFromHarbor);
  return { projectId: body.scope.ref, input: { rules, schedule: cronFromHarbor(body.trigger?.settings?.cron), enabled: true } };
}

/** A project's policy (`ref` its id), or with `projectId` null the system default (`level: system`, `ref: 0`). */
export function toHarborRetentionPolicy(policy: RetentionPolicyView, projectId: number | null): z.infer<typeof ZHarborRetentionPolicy> {
  return {
    id: policy.id,
    algorithm: "or",
    rules: policy.rules.map(retentionRuleToHarbor),
    trigger: { kind: "Schedule", settings: { cron: policy.schedule ? `0 ${policy.schedule}` : "" }, references: {} },
    scope: projectId === null ? { level: "system", ref: 0 } : { level: "project", ref: projectId },
  };
}

function toHarborExecution(e: RetentionExecutionView): z.infer<typeof ZHarborRetentionExecution> {
  return {
    id: e.id,
    policy_id: e.policyId,
    start_time: e.startedAt.toISOString(),
    end_time: e.finishedAt?.toISOString() ?? "",
    status: e.status,
    trigger: e.trigger === "schedule" ? "SCHEDULE" : "MANUAL",
    dry_run: e.dryRun,
  };
}

// ---- handlers ----------------------------------------------------------------------------------

type PolicyParams = { id: string };
type ExecutionParams = { id: string; eid: string };

const TEMPLATE_TEXT: Record<(typeof RETENTION_TEMPLATES)[number], [string, string]> = {
  latestPushedK: ["the most recently pushed # artifacts", "count"],
  latestPulledN: ["the most recently pulled # artifacts", "count"],
  nDaysSinceLastPush: ["pushed within the last # days", "days"],
  nDaysSinceLastPull: ["pulled within the last # days", "days"],
  always: ["always", ""],
};

export const metadatas = withApi(async () => {
  const body: z.infer<typeof ZHarborRetentionMetadata> = {
    templates: RETENTION_TEMPLATES.map((t) => ({
      rule_template: t,
      display_text: TEMPLATE_TEXT[t][0],
      action: "retain",
      params: TEMPLATE_TEXT[t][1] ? [{ type: "int", unit: TEMPLATE_TEXT[t][1], required: true }] : [],
    })),
    scope_selectors: SELECTOR_KINDS.map((kind) => ({ display_text: `Repositories (${kind})`, kind, decorations: ["repoMatches", "repoExcludes"] })),
    tag_selectors: [
      ...SELECTOR_KINDS.map((kind) => ({ display_text: `Tags (${kind})`, kind, decorations: ["matches", "excludes"] })),
      { display_text: "Labels", kind: "label", decorations: [...LABEL_SELECTOR_DECORATIONS] },
    ],
  };
  return Response.json(body);
});

/** Harbor's create: only for a project without its own policy (409 otherwise; PUT replaces). */
export const create = withApi(async ({ req, url, actor }) => {
  const { projectId, input } = policyInput(await readJsonObject(req));
  const current = await getProjectRetention({ actor, projectId });
  if (current.own) throw new ConflictError(`Project ${projectId} already has retention policy ${current.own.id}; update it instead.`);
  const policy = await setProjectRetention({ actor, projectId, input }).catch(harborFieldMessage);
  return new Response(null, { status: 201, headers: { Location: locationUnder(url, policy.id) } });
});

async function policyProject(id: string): Promise<number> {
  return projectOfRetentionPolicy(pathId(id, "id"));
}

export const get = withApi<PolicyParams>(async ({ actor, params }) => {
  const projectId = await policyProject(params.id);
  const { own } = await getProjectRetention({ actor, projectId });
  if (!own) throw new NotFoundError("Retention policy not found.");
  return Response.json(toHarborRetentionPolicy(own, projectId));
});

export const update = withApi<PolicyParams>(async ({ req, actor, params }) => {
  const projectId = await policyProject(params.id);
  const { projectId: scoped, input } = policyInput(await readJsonObject(req));
  if (scoped !== projectId) throw new ValidationError("scope.ref: a policy stays with its project");
  await setProjectRetention({ actor, projectId, input }).catch(harborFieldMessage);
  return ok();
});

export const remove = withApi<PolicyParams>(async ({ actor, params }) => {
  await clearProjectRetention({ actor, projectId: await policyProject(params.id) });
  return ok();
});

/** Wharf's extension: the system-wide default policy (404 while none is set). */
export const getSystemDefault = withApi(async ({ actor }) => {
  const policy = await getSystemRetentionDefault({ actor });
  if (!policy) throw new NotFoundError("No system default retention policy is set.");
  return Response.json(toHarborRetentionPolicy(policy, null));
});

/** Creates or replaces the system default (administrators); the body's scope is `{level: system, ref: 0}`. */
export const putSystemDefault = withApi(async ({ req, actor }) => {
  const { input } = policyInput(await readJsonObject(req), "system");
  await setSystemRetentionDefault({ actor, input }).catch(harborFieldMessage);
  return ok();
});

/** `{dry_run}`: 201 with the execution's Location. */
export const execute = withApi<PolicyParams>(async ({ req, url, actor, params }) => {
  const projectId = await policyProject(params.id);
  const body = ZRetentionExecutionReq.safeParse(await readJsonObject(req));
  if (!body.success) throw new ValidationError("dry_run: must be true or false");
  const { executionId } = await startRetentionRun({ actor, projectId, dryRun: body.data.dry_run ?? false });
  return new Response(null, { status: 201, headers: { Location: locationUnder(url, executionId) } });
});

export const executions = withApi<PolicyParams>(async ({ url, actor, params }) => {
  const projectId = await policyProject(params.id);
  const paging = parsePaging(url.searchParams);
  const page = await listRetentionExecutions({ actor, projectId, page: paging });
  return listResponse(url, page.rows.map(toHarborExecution), page.total, paging);
});

/** `{action: "stop"}`. */
export const stop = withApi<ExecutionParams>(async ({ req, actor, params }) => {
  const projectId = await policyProject(params.id);
  const body = ZRetentionExecutionPatch.safeParse(await readJsonObject(req));
  if (!body.success) throw new ValidationError('action: only "stop" is supported');
  await stopRetentionRun({ actor, projectId, executionId: pathId(params.eid, "eid") });
  return ok();
});

export const tasks = withApi<ExecutionParams>(async ({ url, actor, params }) => {
  const projectId = await policyProject(params.id);
  const executionId = pathId(params.eid, "eid");
  const paging = parsePaging(url.searchParams);
  const page = await listRetentionTasks({ actor, projectId, executionId, page: paging });
  return listResponse(
    url,
    page.rows.map(
      (t): z.infer<typeof ZHarborRetentionTask> => ({
        id: t.runId,
        execution_id: executionId,
        repository: t.repository,
        job_id: String(t.runId),
        status: t.status,
        status_code: 0,
        status_revision: 0,
        start_time: t.startedAt?.toISOString() ?? "",
        end_time: t.finishedAt?.toISOString() ?? "",
        total: t.counts.total,
        retained: t.counts.retained,
      }),
    ),
    page.total,
    paging,
  );
});

type TaskParams = ExecutionParams & { tid: string };

/** Harbor's task log: text/plain, the run's lines then one line per artifact with its decision and reason. */
export const taskLog = withApi<TaskParams>(async ({ actor, params }) => {
  const projectId = await policyProject(params.id);
  const text = await getRetentionTaskLog({ actor, projectId, executionId: pathId(params.eid, "eid"), taskId: pathId(params.tid, "tid") });
  return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8" } });
});
