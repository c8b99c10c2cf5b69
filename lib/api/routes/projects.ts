/**
 * `/projects` and `/projects/{project_name_or_id}` in Harbor's shapes.
 *
 * List filters: `name` (substring), `public` (true/false), `q` with `name=<exact>`, `name=~<substring>`,
 * `public=<bool>`; `page`/`page_size`. Sorted by name (`sort` is not supported and ignored).
 */
import { parseInput, parseInputs, readJsonObject, withHarborFieldNames } from "@/lib/api/body";
import { locationUnder, projectFromPath, resourceNameInLocation, isResourceName } from "@/lib/api/params";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { harborQ, parseBooleanParam, parseQuery } from "@/lib/api/query";
import { requestedAutoScan, requestedIpAllowlist, requestedProxy, requestedPublic, requestedPullPolicy, ZProjectReq } from "@/lib/api/requests";
import { toHarborProject, viewerIsAdmin } from "@/lib/api/shapes";
import { ownRetentionPolicyIds } from "@/lib/services/retention/policies";
import { created, ok, withApi } from "@/lib/api/with-api";
import { ValidationError } from "@/lib/errors";
import { createProject } from "@/lib/services/projects/create-project";
import { deleteProject } from "@/lib/services/projects/delete-project";
import { getProject } from "@/lib/services/projects/get-project";
import { listProjects } from "@/lib/services/projects/list-projects";
import { findVisibleProjectByName, projectNameExists } from "@/lib/services/projects/project-by-name";
import { updateProject } from "@/lib/services/projects/update-project";
import { updateQuota } from "@/lib/services/quotas/quotas";
import { ZCreateProject, ZUpdateProject } from "@/lib/validation/projects";

type ProjectParams = { project_name_or_id: string };
type Visibility = "all" | "public" | "private";

const PROJECT_FIELDS = {
  name: "project_name",
  isPublic: "metadata.public",
  ipAllowlist: "metadata.ip_allowlist",
  registryId: "registry_id",
  proxyCacheDays: "metadata.proxy_cache_days",
} as const;

export const list = withApi(async ({ url, actor }) => {
  const params = url.searchParams;
  const paging = parsePaging(params);
  const terms = parseQuery(harborQ(params), { name: ["exact", "fuzzy"], public: ["exact"] });
  const nameParam = params.get("name")?.trim() || undefined;
  const nameTerm = terms.get("name");
  if (nameParam && nameTerm) throw new ValidationError("name: give the name filter either as name= or inside q, not both");

  // `public` and q's public= are both filters: together they must agree, or nothing matches.
  const wanted = [parseBooleanParam("public", params.get("public")), parseBooleanParam("q: public", terms.get("public")?.value ?? null)]
    .filter((v): v is boolean => v !== undefined);
  if (wanted.length === 2 && wanted[0] !== wanted[1]) return listResponse(url, [], 0, paging);
  const visibility: Visibility = wanted.length ? (wanted[0] ? "public" : "private") : "all";

  if (nameTerm?.op === "exact") {
    const project = await findVisibleProjectByName({ actor, name: nameTerm.value, visibility });
    const retention = await ownRetentionPolicyIds(project ? [project.id] : []);
    const rows = project && paging.page === 1 ? [toHarborProject(project, viewerIsAdmin(actor), retention.get(project.id))] : [];
    return listResponse(url, rows, project ? 1 : 0, paging);
  }
  const q = nameParam ?? nameTerm?.value;
  const page = await listProjects({ actor, query: { q: q || undefined, visibility, page: paging.page, pageSize: paging.pageSize } });
  const retention = await ownRetentionPolicyIds(page.rows.map((p) => p.id));
  return listResponse(url, page.rows.map((p) => toHarborProject(p, viewerIsAdmin(actor), retention.get(p.id))), page.total, paging);
});

/** Harbor's name check: 200 when a project of that name exists, 404 when not (signed-in callers). */
export const head = withApi(async ({ url, actor }) => {
  const name = url.searchParams.get("project_name")?.trim();
  if (!name) throw new ValidationError("project_name: is required");
  const exists = await projectNameExists({ actor, name });
  return new Response(null, { status: exists ? 200 : 404 });
});

export const create = withApi(async ({ req, url, actor }) => {
  const raw = await readJsonObject(req);
  const [body, { name }] = parseInputs([ZProjectReq, raw], [ZCreateProject.pick({ name: true }), { name: raw.project_name }, PROJECT_FIELDS]);
  const project = await withHarborFieldNames(PROJECT_FIELDS, () =>
    createProject({
      actor,
      input: {
        name,
        isPublic: requestedPublic(body) ?? false,
        autoScan: requestedAutoScan(body) ?? false,
        storageLimit: body.storage_limit ?? undefined,
        ipAllowlist: requestedIpAllowlist(body),
        proxy: requestedProxy(body),
        ...requestedPullPolicy(body),
      },
    }),
  );
  return created(locationUnder(url, resourceNameInLocation(req) ? project.name : project.id));
});

export const get = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const project = await getProject({ actor, project: params.project_name_or_id, byName: isResourceName(req) });
  const retention = await ownRetentionPolicyIds([project.id]);
  return Response.json(toHarborProject(project, viewerIsAdmin(actor), retention.get(project.id)));
});

/**
 * Harbor's PUT takes a whole ProjectReq; Wharf changes `metadata.public` (or the deprecated
 * `public`), `metadata.auto_scan`, the pull policy metadata (prevent_vul, severity,
 * enable_content_trust_cosign, reuse_sys_cve_allowlist, refuse_unscanned) and `cve_allowlist`
 * (when it has `items`), `metadata.ip_allowlist` (Wharf's extension), and `storage_limit` (administrators; the quota's `quota.update` row), each
 * only when given; the name never changes. Without any
 * the call changes nothing (still checked against project:update).
 */
export const update = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const body = parseInput(ZProjectReq, await readJsonObject(req));
  const ref = await projectFromPath(req, params.project_name_or_id);
  const { projectId } = parseInput(ZUpdateProject.pick({ projectId: true }), { projectId: ref.id }, PROJECT_FIELDS);
  // A client sending the project back unchanged sends its registry_id (0 for none): only a change is refused.
  if (body.registry_id) {
    const current = await getProject({ actor, project: projectId });
    if (body.registry_id !== (current.proxy?.registryId ?? 0)) throw new ValidationError("registry_id: a project's upstream registry cannot be changed", { registry_id: ["Cannot be changed"] });
  }
  // The limit first: it is administrators' (403 for anyone else, before anything is changed).
  if (body.storage_limit !== null && body.storage_limit !== undefined) await updateQuota({ actor, id: projectId, storageLimit: body.storage_limit });
  await withHarborFieldNames(PROJECT_FIELDS, () =>
    updateProject({
      actor,
      input: {
        projectId,
        isPublic: requestedPublic(body),
        autoScan: requestedAutoScan(body),
        ...requestedPullPolicy(body),
        ipAllowlist: requestedIpAllowlist(body),
        proxyCacheDays: body.metadata?.proxy_cache_days,
      },
    }),
  );
  return ok();
});

/** 412 PRECONDITION while the project still holds repositories (as Harbor). */
export const remove = withApi<ProjectParams>(async ({ req, actor, params }) => {
  const ref = await projectFromPath(req, params.project_name_or_id);
  await deleteProject({ actor, projectId: ref.id });
  return ok();
});
