/**
 * `/labels` and an artifact's `…/labels` in Harbor's shapes: list (`scope=g|p`, `project_id`,
 * `name` (part of the name, as Harbor), `q=name=`/`name=~`, paging), create, get, update, delete;
 * POST `…/artifacts/{reference}/labels` (`{"id": <label>}`) and DELETE `…/labels/{label_id}`.
 */
import { parseInput, readJsonObject } from "@/lib/api/body";
import { ZArtifactLabelReq, ZLabelReq, toHarborLabel } from "@/lib/api/label-shapes";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { locationUnder, pathId } from "@/lib/api/params";
import { harborQ, parseQuery } from "@/lib/api/query";
import { referenceFromPath, repositoryFromPath } from "@/lib/api/routes/repositories";
import { created, ok, withApi } from "@/lib/api/with-api";
import { ConflictError, ValidationError } from "@/lib/errors";
import { findProjectRef } from "@/lib/services/authz/project-access";
import { addArtifactLabel, removeArtifactLabel } from "@/lib/services/labels/artifact-labels";
import { createLabel, deleteLabel, getLabel, listLabels, updateLabel } from "@/lib/services/labels/labels";
import type { LabelScope } from "@/lib/validation/labels";

type LabelParams = { id: string };
type ArtifactParams = { project_name_or_id: string; repository_name: string; reference: string };
type ArtifactLabelParams = ArtifactParams & { label_id: string };

/** The service's field errors in one message naming Harbor's fields (the names are the same). */
async function harborFields<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if ((error instanceof ValidationError || error instanceof ConflictError) && Object.keys(error.fieldErrors).length) {
      const message = Object.entries(error.fieldErrors)
        .map(([field, messages]) => `${field}: ${messages.join(", ")}`)
        .join("; ");
      throw error instanceof ConflictError ? new ConflictError(message, error.fieldErrors) : new ValidationError(message, error.fieldErrors);
    }
    throw error;
  }
}

function scopeOf(value: string | null | undefined): LabelScope {
  if (value === null || value === undefined || value === "" || value === "g") return "g";
  if (value === "p") return "p";
  throw new ValidationError("scope: must be g (global) or p (project)");
}

export const list = withApi(async ({ url, actor }) => {
  const query = url.searchParams;
  const paging = parsePaging(query);
  const scope = scopeOf(query.get("scope"));
  const terms = parseQuery(harborQ(query), { name: ["exact", "fuzzy"] });
  const nameParam = query.get("name");
  // Harbor's `name` parameter matches part of the name; `q=name=` exactly.
  const name = terms.get("name") ?? (nameParam ? { op: "fuzzy" as const, value: nameParam } : undefined);
  const projectIdParam = query.get("project_id");
  if (scope === "g" && projectIdParam) throw new ValidationError("project_id: only with scope=p");
  if (scope === "p" && !projectIdParam) throw new ValidationError("project_id: required with scope=p");
  const project = scope === "p" ? await findProjectRef(pathId(projectIdParam!, "project_id")) : undefined;
  const page = await listLabels({ actor, scope, ...(project ? { project } : {}), ...(name ? { name } : {}), ...paging });
  return listResponse(url, page.rows.map(toHarborLabel), page.total, paging);
});

export const create = withApi(async ({ req, url, actor }) => {
  const body = parseInput(ZLabelReq, await readJsonObject(req));
  const scope = scopeOf(body.scope);
  if (scope === "p" && !body.project_id) throw new ValidationError("project_id: required for a project label (scope p)");
  if (scope === "g" && body.project_id) throw new ValidationError("project_id: a global label (scope g) has none");
  const project = scope === "p" ? await findProjectRef(pathId(String(body.project_id), "project_id")) : null;
  const label = await harborFields(() => createLabel({ actor, project, input: { name: body.name ?? "", color: body.color ?? "", description: body.description ?? "" } }));
  return created(locationUnder(url, label.id));
});

const labelId = (params: LabelParams) => pathId(params.id, "id");

export const get = withApi<LabelParams>(async ({ actor, params }) => Response.json(toHarborLabel(await getLabel({ actor, labelId: labelId(params) }))));

/** Harbor's Label; absent fields keep theirs; the scope and project never change (a different one is a 400). */
export const update = withApi<LabelParams>(async ({ req, actor, params }) => {
  const id = labelId(params);
  const body = parseInput(ZLabelReq, await readJsonObject(req));
  const current = await getLabel({ actor, labelId: id });
  if (body.scope !== undefined && body.scope !== current.scope) throw new ValidationError("scope: a label's scope cannot change");
  if (body.project_id && body.project_id !== (current.projectId ?? 0)) throw new ValidationError("project_id: a label's project cannot change");
  await harborFields(() =>
    updateLabel({
      actor,
      labelId: id,
      input: { name: body.name ?? current.name, color: body.color ?? current.color, description: body.description ?? current.description },
    }),
  );
  return ok();
});

export const remove = withApi<LabelParams>(async ({ actor, params }) => {
  await deleteLabel({ actor, labelId: labelId(params) });
  return ok();
});

export const addToArtifact = withApi<ArtifactParams>(async ({ req, actor, params }) => {
  const body = parseInput(ZArtifactLabelReq, await readJsonObject(req));
  await harborFields(() => addArtifactLabel({ actor, repository: repositoryFromPath(params), reference: referenceFromPath(params), labelId: body.id }));
  // Harbor answers 200 with no body.
  return ok();
});

export const removeFromArtifact = withApi<ArtifactLabelParams>(async ({ actor, params }) => {
  await removeArtifactLabel({ actor, repository: repositoryFromPath(params), reference: referenceFromPath(params), labelId: pathId(params.label_id, "label_id") });
  return ok();
});
