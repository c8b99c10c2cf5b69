/** `/projects/{project_name_or_id}/immutabletagrules[/{immutable_rule_id}]` in Harbor's ImmutableRule shape. */
import { parseInput, readJsonObject } from "@/lib/api/body";
import { ruleFromHarbor, toHarborImmutableRule, ZImmutableRuleReq } from "@/lib/api/immutable-rule-shapes";
import { locationUnder, pathId, projectFromPath } from "@/lib/api/params";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { created, ok, withApi } from "@/lib/api/with-api";
import { createImmutableRule, deleteImmutableRule, listImmutableRules, updateImmutableRule } from "@/lib/services/tag-policy/rules";

type ProjectParams = { project_name_or_id: string };
type RuleParams = ProjectParams & { immutable_rule_id: string };

/** At most 15 rules: one page holds them all; page and page_size still page the list. */
export const list = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const paging = parsePaging(url.searchParams);
  const ref = await projectFromPath(req, params.project_name_or_id);
  const rules = await listImmutableRules({ actor, projectId: ref.id });
  const start = (paging.page - 1) * paging.pageSize;
  return listResponse(url, rules.slice(start, start + paging.pageSize).map(toHarborImmutableRule), rules.length, paging);
});

export const create = withApi<ProjectParams>(async ({ req, url, actor, params }) => {
  const body = parseInput(ZImmutableRuleReq, await readJsonObject(req));
  const ref = await projectFromPath(req, params.project_name_or_id);
  const rule = await createImmutableRule({ actor, projectId: ref.id, ...ruleFromHarbor(body) });
  return created(locationUnder(url, rule.id));
});

/** Replaces the rule (Harbor's console sends the whole rule to enable or disable it). */
export const update = withApi<RuleParams>(async ({ req, actor, params }) => {
  const ruleId = pathId(params.immutable_rule_id, "immutable_rule_id");
  const body = parseInput(ZImmutableRuleReq, await readJsonObject(req));
  const ref = await projectFromPath(req, params.project_name_or_id);
  await updateImmutableRule({ actor, projectId: ref.id, ruleId, ...ruleFromHarbor(body) });
  return ok();
});

export const remove = withApi<RuleParams>(async ({ req, actor, params }) => {
  const ruleId = pathId(params.immutable_rule_id, "immutable_rule_id");
  const ref = await projectFromPath(req, params.project_name_or_id);
  await deleteImmutableRule({ actor, projectId: ref.id, ruleId });
  return ok();
});
