/**
 * `/registries` (+ `/registries/ping`, `/registries/{id}/info`) and `/replication/adapters` in
 * Harbor's shapes (Registry, RegistryUpdate, RegistryPing, RegistryInfo). A stored password never
 * leaves Wharf: `credential.access_secret` is masked, and a PUT that sends the mask back keeps it.
 */
import { parseInputs, readJsonObject } from "@/lib/api/body";
import { listResponse, parsePaging } from "@/lib/api/pagination";
import { locationUnder, pathId } from "@/lib/api/params";
import { parseQuery } from "@/lib/api/query";
import { ZRegistryPingReq, ZRegistryReq, ZRegistryUpdateReq } from "@/lib/api/requests";
import { type HarborRegistryInfo, SECRET_MASK, toHarborRegistry, toRemoteProject } from "@/lib/api/shapes";
import { ok, withApi } from "@/lib/api/with-api";
import { AppError, ValidationError } from "@/lib/errors";
import {
  createRegistry,
  deleteRegistry,
  getRegistry,
  listRegistries,
  listRegistryTypes,
  listRemoteProjects,
  testRegistryConnection,
  updateRegistry,
} from "@/lib/services/registries/registries";
import type { RegistryType } from "@/lib/validation/registries";

type RegistryParams = { id: string };

/** The shared schema's field names, as Harbor's JSON spells them. */
const REGISTRY_FIELDS = {
  credentialType: "credential.type",
  username: "credential.access_key",
  secret: "credential.access_secret",
  registryId: "id",
  caCertificate: "ca_certificate",
} as const;
const UPDATE_FIELDS = { credentialType: "credential_type", username: "access_key", secret: "access_secret", caCertificate: "ca_certificate" } as const;

/** A sent `ca_certificate` ("" clears it), else the stored one. */
const caOr = (sent: string | null | undefined, current: string | null | undefined) => (sent === null || sent === undefined ? (current ?? null) : sent);

/** A service's field errors (shared names) as one 400 in Harbor's field names. */
function harborFieldNames<T>(fields: Readonly<Record<string, string>>, run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    if (error instanceof ValidationError && Object.keys(error.fieldErrors).length) {
      throw new ValidationError(
        Object.entries(error.fieldErrors)
          .map(([field, messages]) => `${fields[field] ?? field}: ${messages.join(", ")}`)
          .join("; "),
        error.fieldErrors,
      );
    }
    throw error;
  });
}

/** A sent secret, unless it is empty or the mask a GET answered (both keep the stored one). */
const sentSecret = (value: string | null | undefined) => (value && value !== SECRET_MASK ? value : undefined);

export const list = withApi(async ({ url, actor }) => {
  const paging = parsePaging(url.searchParams);
  const terms = parseQuery(url.searchParams.get("q"), { name: ["exact", "fuzzy"] });
  // Harbor's deprecated `name` parameter: a substring of the name.
  const legacyName = url.searchParams.get("name");
  const name = terms.get("name") ?? (legacyName ? { op: "fuzzy" as const, value: legacyName } : undefined);
  const page = await listRegistries({ actor, query: { name, ...paging } });
  return listResponse(url, page.rows.map(toHarborRegistry), page.total, paging);
});

export const create = withApi(async ({ req, url, actor }) => {
  const raw = await readJsonObject(req);
  const [body] = parseInputs([ZRegistryReq, raw]);
  const input = {
    name: raw.name,
    type: raw.type,
    url: raw.url,
    description: raw.description ?? "",
    credentialType: body.credential?.type ?? "none",
    username: body.credential?.access_key ?? "",
    secret: body.credential?.access_secret || undefined,
    insecure: body.insecure ?? false,
    caCertificate: body.ca_certificate ?? null,
  };
  const registry = await harborFieldNames(REGISTRY_FIELDS, () => createRegistry({ actor, input }));
  return new Response(null, { status: 201, headers: { Location: locationUnder(url, registry.id) } });
});

export const get = withApi<RegistryParams>(async ({ actor, params }) => {
  return Response.json(toHarborRegistry(await getRegistry({ actor, registryId: pathId(params.id, "id") })));
});

/** Absent fields keep their values (Harbor's RegistryUpdate); `type` does not change. */
export const update = withApi<RegistryParams>(async ({ req, actor, params }) => {
  const registryId = pathId(params.id, "id");
  const [body] = parseInputs([ZRegistryUpdateReq, await readJsonObject(req)]);
  const current = await getRegistry({ actor, registryId });
  const input = {
    registryId,
    name: body.name ?? current.name,
    type: current.type,
    url: body.url ?? current.url,
    description: body.description ?? current.description,
    credentialType: body.credential_type ?? current.credentialType,
    username: body.access_key ?? current.username,
    secret: sentSecret(body.access_secret),
    insecure: body.insecure ?? current.insecure,
    caCertificate: caOr(body.ca_certificate, current.caCertificate),
  };
  await harborFieldNames(UPDATE_FIELDS, () => updateRegistry({ actor, input }));
  return ok();
});

export const remove = withApi<RegistryParams>(async ({ actor, params }) => {
  await deleteRegistry({ actor, registryId: pathId(params.id, "id") });
  return ok();
});

/**
 * `{id}` alone: the stored endpoint (its outcome becomes its status). Otherwise the settings sent,
 * completed from the stored endpoint when `id` is given. 200 when the registry answered; 400 with
 * the cause when it did not.
 */
export const ping = withApi(async ({ req, actor }) => {
  const raw = await readJsonObject(req);
  const [body] = parseInputs([ZRegistryPingReq, raw]);
  const onlyId = body.id != null && Object.entries(raw).every(([k, v]) => k === "id" || v === null || v === undefined);
  let input: Record<string, unknown>;
  if (onlyId) {
    input = { registryId: body.id };
  } else {
    const current = body.id != null ? await getRegistry({ actor, registryId: body.id }) : null;
    input = {
      ...(body.id != null ? { registryId: body.id } : {}),
      type: body.type ?? current?.type,
      url: body.url ?? current?.url,
      credentialType: body.credential_type ?? current?.credentialType ?? (body.access_key ? "basic" : "none"),
      username: body.access_key ?? current?.username ?? "",
      secret: sentSecret(body.access_secret),
      insecure: body.insecure ?? current?.insecure ?? false,
      caCertificate: caOr(body.ca_certificate, current?.caCertificate),
    };
  }
  const result = await harborFieldNames(UPDATE_FIELDS, () => testRegistryConnection({ actor, input }));
  if (!result.ok) throw new AppError(result.message, 400, "BAD_REQUEST");
  return ok();
});

/** Name and tag filters (doublestar patterns), and Harbor's resource kinds, for every type Wharf offers. */
function registryInfo(type: RegistryType, description: string): HarborRegistryInfo {
  return {
    type,
    description,
    supported_resource_filters: [
      { type: "name", style: "input" },
      { type: "tag", style: "input" },
      { type: "resource", style: "radio", values: ["image", "artifact"] },
    ],
    supported_triggers: ["manual", "scheduled", "event_based"],
  };
}

export const info = withApi<RegistryParams>(async ({ actor, params }) => {
  const registry = await getRegistry({ actor, registryId: pathId(params.id, "id") });
  return Response.json(registryInfo(registry.type, registry.description));
});

/**
 * Wharf's extension: the projects of a Harbor or Wharf endpoint, read through its REST API with
 * the endpoint's credentials and TLS settings. All of them (bounded), with `X-Total-Count` the
 * remote's count and `X-Wharf-Truncated: true` when the bound was reached.
 */
export const projects = withApi<RegistryParams>(async ({ actor, params }) => {
  const listed = await listRemoteProjects({ actor, registryId: pathId(params.id, "id") });
  const headers = new Headers({ "X-Total-Count": String(listed.total) });
  if (listed.truncated) headers.set("X-Wharf-Truncated", "true");
  return Response.json(listed.projects.map(toRemoteProject), { headers });
});

export const adapters = withApi(async ({ actor }) => Response.json(await listRegistryTypes({ actor })));
