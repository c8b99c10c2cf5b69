/**
 * Repositories, artifacts, tags and search in Harbor v2.0's shapes.
 *
 * `{repository_name}` is the name inside the project, URL-encoded twice as Harbor's clients send
 * it (`a%252Fb` for `a/b`): Next decodes once, we decode the rest here. `{project_name_or_id}` is
 * the project's name (Harbor's `{project_name}` on these paths).
 */
import { parseInput, readJsonObject } from "@/lib/api/body";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { pathId } from "@/lib/api/params";
import { harborQ, parseBooleanParam, parseQuery } from "@/lib/api/query";
import { ZRepositoryReq, ZScanTypeReq, ZTagReq } from "@/lib/api/requests";
import {
  toHarborArtifact,
  toHarborArtifactRow,
  toHarborBuildHistory,
  toHarborRepository,
  toHarborRepositoryRow,
  toHarborSearch,
  toHarborTag,
  viewerIsAdmin,
} from "@/lib/api/shapes";
import { created, ok, withApi } from "@/lib/api/with-api";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { findProjectRef } from "@/lib/services/authz/project-access";
import { isDigest } from "@/lib/oci/digest";
import { VULNERABILITY_REPORT_MIMES, sameMime } from "@/lib/scan/adapter/mime";
import { addTag } from "@/lib/services/repositories/add-tag";
import { copyArtifact } from "@/lib/services/repositories/copy-artifact";
import { deleteArtifact } from "@/lib/services/repositories/delete-artifact";
import { deleteRepository } from "@/lib/services/repositories/delete-repository";
import { deleteTag } from "@/lib/services/repositories/delete-tag";
import { findArtifactRef, getArtifact, getBuildHistory, listArtifactTags } from "@/lib/services/repositories/get-artifact";
import { getRepository } from "@/lib/services/repositories/get-repository";
import { type ArtifactFilter, listArtifacts } from "@/lib/services/repositories/list-artifacts";
import { listRepositories } from "@/lib/services/repositories/list-repositories";
import { updateRepositoryDescription } from "@/lib/services/repositories/update-repository-description";
import { artifactScanReports } from "@/lib/services/scan/artifact-scans";
import { startArtifactScan } from "@/lib/services/scan/manual-scan";
import { artifactScanOverviews, type ScanOverview } from "@/lib/services/scan/security";
import { search as searchService } from "@/lib/services/search/search";
import { type RepositorySort, ZCopyArtifact } from "@/lib/validation/repositories";

type ProjectParams = { project_name_or_id: string };
type RepositoryParams = ProjectParams & { repository_name: string };
type ArtifactParams = RepositoryParams & { reference: string };
type TagParams = ArtifactParams & { tag_name: string };

/** The full repository name from the path: `<project>/<name decoded once more>`. */
export function repositoryFromPath(params: RepositoryParams): string {
  let inner: string;
  try {
    inner = decodeURIComponent(params.repository_name);
  } catch {
    throw new ValidationError("repository_name: not a valid URL-encoded name");
  }
  return `${params.project_name_or_id}/${inner}`;
}

/** A digest or tag from the path (digests arrive as `sha256:...`, possibly still encoded once). */
export function referenceFromPath(params: ArtifactParams): string {
  const ref = params.reference.includes("%") ? safeDecode(params.reference) : params.reference;
  if (!ref) throw new ValidationError("reference: is required");
  return ref;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ValidationError("reference: not a valid URL-encoded reference");
  }
}

const REPOSITORY_SORTS: Record<string, RepositorySort> = {
  name: "name",
  "-artifact_count": "artifacts",
  "-pull_count": "pulls",
  "-update_time": "lastPush",
};

export const listRepositoriesRoute = withApi<ProjectParams>(async ({ url, actor, params }) => {
  const query = url.searchParams;
  const paging = parsePaging(query);
  // Harbor's keys: name=~<text> (the full name contains it) or name=<name> (the full name, or the name inside the project).
  const terms = parseQuery(harborQ(query), { name: ["exact", "fuzzy"], project_id: ["exact"] });
  // project_id (Harbor clients send it with the path's project): checked, then the path decides, as
  // in Harbor, whose handler replaces the q's ProjectID with the path's project.
  const projectIdTerm = terms.get("project_id");
  if (projectIdTerm) pathId(projectIdTerm.value, "q: project_id");
  const sortParam = query.get("sort");
  const sort = sortParam ? REPOSITORY_SORTS[sortParam] : "name";
  if (!sort) throw new ValidationError(`sort: one of ${Object.keys(REPOSITORY_SORTS).join(", ")}`);
  const project = await findProjectRef(params.project_name_or_id, { byName: true });
  const name = terms.get("name");
  const filter = name?.op === "exact" ? { exactName: name.value } : { q: name?.value || undefined };
  const page = await listRepositories({ actor, projectId: project.id, ...filter, sort, ...paging });
  return listResponse(url, page.rows.map((r) => toHarborRepositoryRow(r, project.id)), page.total, paging);
});

export const getRepositoryRoute = withApi<RepositoryParams>(async ({ actor, params }) => {
  return Response.json(toHarborRepository(await getRepository({ actor, repository: repositoryFromPath(params) })));
});

/** Harbor's PUT takes a Repository; only `description` is changed. */
export const updateRepositoryRoute = withApi<RepositoryParams>(async ({ req, actor, params }) => {
  const body = parseInput(ZRepositoryReq, await readJsonObject(req));
  await updateRepositoryDescription({ actor, repository: repositoryFromPath(params), description: body.description });
  return ok();
});

// 200 as Harbor answers: the delete is accepted and the repository is already gone from every
// listing and read; a job deletes its manifests in the registry afterwards.
export const deleteRepositoryRoute = withApi<RepositoryParams>(async ({ actor, params }) => {
  await deleteRepository({ actor, repository: repositoryFromPath(params) });
  return ok();
});

/**
 * `q=tags=nil` (untagged), `tags=*` (tagged), `tags=~x` (a tag containing x); `labels=(1 2)`
 * (Harbor's: label ids, the artifact carries every one; `labels=1` is one).
 */
function artifactFilter(q: string | null): ArtifactFilter {
  const terms = parseQuery(q, { tags: ["exact", "fuzzy"], labels: ["exact", "andList"] });
  const filter: ArtifactFilter = {};
  const labels = terms.get("labels");
  if (labels) {
    const ids = labels.value.split(/\s+/).filter(Boolean);
    if (ids.length === 0) throw new ValidationError("q: labels needs at least one label id, labels=(1 2)");
    filter.labelIds = ids.map((id) => pathId(id, "q: labels"));
  }
  const tags = terms.get("tags");
  if (!tags) return filter;
  if (tags.op === "fuzzy") return { ...filter, tag: tags.value };
  if (tags.value === "nil") return { ...filter, tagged: "untagged" };
  if (tags.value === "*") return { ...filter, tagged: "tagged" };
  throw new ValidationError("q: tags supports only tags=nil, tags=* or tags=~<text>");
}

export const listArtifactsRoute = withApi<RepositoryParams>(async ({ url, actor, params }) => {
  const query = url.searchParams;
  const paging = parsePaging(query);
  const filter = artifactFilter(harborQ(query));
  const sort = query.get("sort");
  if (sort && sort !== "-push_time") throw new ValidationError("sort: only -push_time is supported");
  const withTag = parseBooleanParam("with_tag", query.get("with_tag")) ?? true;
  const repository = repositoryFromPath(params);
  const withScanOverview = parseBooleanParam("with_scan_overview", query.get("with_scan_overview")) ?? false;
  const repo = await getRepository({ actor, repository });
  const page = await listArtifacts({ actor, repository, filter, ...paging });
  // One query for the page's overviews (an index's from its children), only when asked: Harbor's default is none.
  const overviews = withScanOverview ? await artifactScanOverviews({ actor, project: await findProjectRef(repo.projectId), artifacts: page.rows }) : new Map<number, ScanOverview>();
  return listResponse(url, page.rows.map((a) => toHarborArtifactRow(a, { id: repo.id, name: repo.name, projectId: repo.projectId }, withTag, overviews.get(a.id))), page.total, paging);
});

/**
 * Harbor's copy: `POST .../artifacts?from=<project>/<repo>:<tag>|@<digest>` into this repository.
 * By tag the copy gets the same tag (moved if it pointed elsewhere); by digest it is untagged.
 * 201 with the copy's Location (by digest), as Harbor.
 */
export const copyArtifactRoute = withApi<RepositoryParams>(async ({ url, actor, params }) => {
  const to = repositoryFromPath(params);
  const input = parseInput(ZCopyArtifact, {
    from: url.searchParams.get("from") ?? undefined,
    project: params.project_name_or_id,
    repository: to.slice(params.project_name_or_id.length + 1),
  });
  const tag = isDigest(input.from.reference) ? null : input.from.reference;
  const copied = await copyArtifact({ actor, from: input.from, to: `${input.project}/${input.repository}`, tag });
  return created(`${url.pathname.replace(/\/+$/, "")}/${copied.digest}`);
});

export const getArtifactRoute = withApi<ArtifactParams>(async ({ url, actor, params }) => {
  const withTag = parseBooleanParam("with_tag", url.searchParams.get("with_tag")) ?? true;
  const withScanOverview = parseBooleanParam("with_scan_overview", url.searchParams.get("with_scan_overview")) ?? false;
  const repository = repositoryFromPath(params);
  const repo = await getRepository({ actor, repository });
  const artifact = await getArtifact({ actor, repository, reference: referenceFromPath(params) });
  const overview = withScanOverview ? (await artifactScanOverviews({ actor, project: await findProjectRef(repo.projectId), artifacts: [artifact] })).get(artifact.id) : undefined;
  return Response.json(toHarborArtifact(artifact, repo.id, withTag, overview));
});

export const deleteArtifactRoute = withApi<ArtifactParams>(async ({ actor, params }) => {
  const repository = repositoryFromPath(params);
  const artifact = await findArtifactRef({ actor, repository, reference: referenceFromPath(params) });
  await deleteArtifact({ actor, repository, digest: artifact.digest });
  return ok();
});

/** The artifact's tags, newest push first; pages of 20 (`page_size` is fixed). Index only. */
export const listTagsRoute = withApi<ArtifactParams>(async ({ url, actor, params }) => {
  const { page } = parsePaging(new URLSearchParams({ page: url.searchParams.get("page") ?? "" }));
  const { artifact, tags } = await listArtifactTags({ actor, repository: repositoryFromPath(params), reference: referenceFromPath(params), page });
  return listResponse(url, tags.rows.map((t) => toHarborTag(t, artifact.repositoryId, artifact.id)), tags.total, { page: tags.page, pageSize: tags.pageSize });
});

export const createTagRoute = withApi<ArtifactParams>(async ({ req, url, actor, params }) => {
  const body = parseInput(ZTagReq, await readJsonObject(req));
  const repository = repositoryFromPath(params);
  const artifact = await findArtifactRef({ actor, repository, reference: referenceFromPath(params) });
  await addTag({ actor, repository, digest: artifact.digest, tag: body.name });
  return created(`${url.pathname.replace(/\/+$/, "")}/${encodeURIComponent(body.name)}`);
});

export const deleteTagRoute = withApi<TagParams>(async ({ actor, params }) => {
  const repository = repositoryFromPath(params);
  const artifact = await findArtifactRef({ actor, repository, reference: referenceFromPath(params) });
  const tag = params.tag_name;
  // The tag must be on this artifact: deleting it through another artifact's path is a 404.
  const tagged = await findArtifactRef({ actor, repository, reference: tag }).catch((err: unknown) => {
    if (err instanceof NotFoundError || err instanceof ValidationError) throw new NotFoundError(`Tag ${repository}:${tag} not found.`);
    throw err;
  });
  if (tagged.digest !== artifact.digest) throw new NotFoundError(`Tag ${repository}:${tag} is not on ${artifact.digest}.`);
  await deleteTag({ actor, repository, tag });
  return ok();
});

export const buildHistoryRoute = withApi<ArtifactParams>(async ({ actor, params }) => {
  const history = await getBuildHistory({ actor, repository: repositoryFromPath(params), reference: referenceFromPath(params) });
  if (history === null) throw new NotFoundError("An index has no build history.");
  return Response.json(toHarborBuildHistory(history));
});

/**
 * The link Harbor gives scannable artifacts (`addition_links.vulnerabilities`): Harbor's map of
 * report MIME type → the scanner's report, for the artifact's newest succeeded vulnerability
 * report; `{}` when it has none yet (never scanned, still scanning, failed, or an index, whose
 * children are scanned one by one). Same authorization as reading the artifact, then `scan:read`.
 */
export const vulnerabilitiesRoute = withApi<ArtifactParams>(async ({ actor, params }) => {
  const repository = repositoryFromPath(params);
  const artifact = await findArtifactRef({ actor, repository, reference: referenceFromPath(params) });
  const latest = (await artifactScanReports({ actor, repository, digest: artifact.digest }))
    .filter((r) => r.status === "succeeded" && r.report !== null && VULNERABILITY_REPORT_MIMES.some((m) => sameMime(m, r.mimeType)))
    .sort((a, b) => (b.endedAt?.getTime() ?? 0) - (a.endedAt?.getTime() ?? 0))[0];
  return Response.json(latest ? { [latest.mimeType]: latest.report } : {});
});

/**
 * Harbor's POST …/artifacts/{reference}/scan: queues a scan with the project's scanner (an index:
 * each child image) and answers 202; the report is then read from additions/vulnerabilities (or
 * the SBOM download). 409 while a scan of it is still queued or running.
 */
export const scanArtifactRoute = withApi<ArtifactParams>(async ({ req, actor, params }) => {
  const repository = repositoryFromPath(params);
  const input = parseInput(ZScanTypeReq, await readJsonObject(req));
  await startArtifactScan({ actor, repository, reference: referenceFromPath(params), input: { scanType: input.scan_type ?? "vulnerability" } });
  return new Response(null, { status: 202 });
});

export const searchRoute = withApi(async ({ url, actor }) => {
  const q = url.searchParams.get("q") ?? "";
  return Response.json(toHarborSearch(await searchService({ actor, q }), viewerIsAdmin(actor)));
});

