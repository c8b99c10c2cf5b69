/**
 * `/quotas` and `/quotas/{id}` in Harbor's shapes (administrators and auditors read, administrators
 * change), and `/projects/{project_name_or_id}/summary` (anyone who may read the project).
 *
 * List filters: `reference` (only `project`), `reference_id` (a project id); `sort` by
 * `hard.storage`, `used.storage`, `creation_time` or `update_time`, `-` for descending; paging.
 */
import { parseInput, readJsonObject } from "@/lib/api/body";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { pathId, projectFromPath } from "@/lib/api/params";
import { toHarborQuota, ZQuotaUpdateReq } from "@/lib/api/quota-shapes";
import { ok, withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { getProjectSummaryCounts, getQuota, listQuotas, updateQuota, type QuotaSort } from "@/lib/services/quotas/quotas";
import { QUOTA_SORTS } from "@/lib/validation/quotas";

export const list = withApi(async ({ url, actor }) => {
  const params = url.searchParams;
  const paging = parsePaging(params);
  const reference = params.get("reference");
  if (reference !== null && reference !== "project") throw new ValidationError("reference: only project quotas exist", { reference: ["Only project quotas exist"] });
  const rawId = params.get("reference_id");
  let referenceId: number | undefined;
  if (rawId !== null) {
    if (!/^\d{1,9}$/.test(rawId)) throw new ValidationError("reference_id: must be a project id", { reference_id: ["Must be a project id"] });
    referenceId = Number(rawId);
  }
  const sort = params.get("sort") ?? undefined;
  if (sort !== undefined && !(QUOTA_SORTS as readonly string[]).includes(sort)) {
    throw new ValidationError(`sort: one of ${QUOTA_SORTS.join(", ")}`, { sort: [`One of ${QUOTA_SORTS.join(", ")}`] });
  }
  const page = await listQuotas({ actor, query: { referenceId, sort: sort as QuotaSort | undefined, page: paging.page, pageSize: paging.pageSize } });
  return listResponse(url, page.rows.map(toHarborQuota), page.total, paging);
});

export const get = withApi<{ id: string }>(async ({ actor, params }) => {
  return Response.json(toHarborQuota(await getQuota({ actor, id: pathId(params.id, "id") })));
});

export const update = withApi<{ id: string }>(async ({ req, actor, params }) => {
  const id = pathId(params.id, "id");
  const body = parseInput(ZQuotaUpdateReq, await readJsonObject(req));
  await updateQuota({ actor, id, storageLimit: body.hard.storage });
  return ok();
});

export const projectSummary = withApi<{ project_name_or_id: string }>(async ({ req, actor, params }) => {
  const ref = await projectFromPath(req, params.project_name_or_id);
  const s = await getProjectSummaryCounts({ actor, projectId: ref.id });
  return Response.json({
    repo_count: s.repositoryCount,
    project_admin_count: s.roleCounts[1] ?? 0,
    maintainer_count: s.roleCounts[4] ?? 0,
    developer_count: s.roleCounts[2] ?? 0,
    guest_count: s.roleCounts[3] ?? 0,
    limited_guest_count: s.roleCounts[5] ?? 0,
    quota: { hard: { storage: Number(s.quota.hard) }, used: { storage: Number(s.quota.used) } },
  });
});
