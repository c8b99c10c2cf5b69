import type { Actor } from "@/lib/auth/actor";
import { getServerEnv } from "@/lib/env";
import { accountGone } from "@/lib/gateway/answers";
import type { GatewayRequest } from "@/lib/gateway/parse";
import { decide, hasPolicyHooks } from "@/lib/gateway/policy-hooks";
import { registryErrorResponse } from "@/lib/gateway/registry-response";
import type { RepositoryRoute } from "@/lib/gateway/gateway-path";
import { MANIFEST_ACCEPT, OCI_IMAGE_INDEX } from "@/lib/oci/media-types";
import { CATALOG_MAX_PAGE } from "@/lib/registry/client";
import { forwardToRegistry } from "@/lib/registry/forward";
import { rangeNotSatisfiable, serveLocalBlob } from "@/lib/registry/local-blob-store";
import { serveLocalManifest } from "@/lib/registry/local-manifest-store";
import type { CatalogAccess } from "@/lib/services/registry-auth/authorize-registry-request";
import { listPullableRepositories } from "@/lib/services/repositories/list-pullable-repositories";
import { deleteTag } from "@/lib/services/repositories/delete-tag";
import { listTagPage } from "@/lib/services/repositories/list-tag-page";
import { listReferrers } from "@/lib/services/repositories/list-referrers";
import type { CheckedManifest } from "@/lib/gateway/manifest-body";
import { AppError } from "@/lib/errors";
import { isDigest } from "@/lib/oci/digest";

/**
 * Stage 5, first choice: manifest reads, and layer and config downloads, straight from the
 * registry's disk when Wharf shares it (the response, or null to forward instead). Null
 * synchronously for every other request, so they do not wait on it. A conditional manifest read
 * (If-None-Match) is the registry's to answer 304.
 */
export function serveFromDisk(req: Request, request: GatewayRequest, route: RepositoryRoute): Promise<Response | null> | null {
  const { method } = request;
  if (method !== "GET" && method !== "HEAD") return null;
  const storageDir = getServerEnv().WHARF_REGISTRY_STORAGE_DIR;
  if (!storageDir) return null;
  if (route.kind === "blob") return serveLocalBlob({ storageDir, repository: route.name, digest: route.digest, method, range: req.headers.get("range") });
  if (route.kind !== "manifest" || req.headers.has("if-none-match") || req.headers.has("if-match")) return null;
  const local = serveLocalManifest({ storageDir, repository: route.name, reference: route.reference, method, accept: acceptedManifestTypes(req.headers).types });
  return local && Promise.resolve(local);
}

/** Stage 5 otherwise: the request forwarded to the backing registry, rebuilt from the parsed parts. */
export function forward(req: Request, request: GatewayRequest, body: ReadableStream<Uint8Array> | Uint8Array | null): Promise<Response> {
  const kind = request.route.kind;
  const headers = kind === "manifest" ? manifestReadHeaders(req.headers, request.method) : kind === "upload" ? uploadHeaders(req.headers, request.method) : req.headers;
  return forwardToRegistry(
    { method: request.method, path: request.upstreamPath, query: request.query, headers, body, signal: req.signal },
    { externalUrl: getServerEnv().externalUrl },
  );
}

/**
 * A blob read the registry refused for its Range (416): answered again, framed correctly (see
 * rangeNotSatisfiable), with the blob's size from the registry's headers. Anything else as it is.
 */
export function reframeRangeRefusal(route: RepositoryRoute, method: string, served: Response): Response | Promise<Response> {
  if (served.status !== 416 || route.kind !== "blob") return served;
  const total = /\/(\d{1,15})$/.exec(served.headers.get("content-range") ?? "")?.[1] ?? served.headers.get("content-length");
  const size = total !== null && /^\d{1,15}$/.test(total) ? Number(total) : null;
  const answer = rangeNotSatisfiable(size, method);
  for (const name of ["docker-content-digest", "etag"]) {
    const value = served.headers.get(name);
    if (value !== null) answer.headers.set(name, value);
  }
  return (served.body?.cancel() ?? Promise.resolve()).then(
    () => answer,
    () => answer,
  );
}

/**
 * A tag list GET from Wharf's index, paged by `n` and `last` with a Link to the next page (see
 * listTagPage); null to forward it (a HEAD, or a repository the index does not know).
 */
export async function tagList(request: GatewayRequest, route: RepositoryRoute, actor: Actor): Promise<Response | null> {
  if (route.kind !== "tags" || request.method !== "GET") return null;
  const rawN = request.query.get("n");
  const parsedN = rawN === null ? NaN : Number(rawN);
  // As Distribution reads n elsewhere: unparsable or negative is "no limit".
  const n = Number.isInteger(parsedN) && parsedN >= 0 ? parsedN : null;
  const last = request.query.get("last");
  const page = await listTagPage({ actor, repository: route.name, n, last });
  if (!page) return null;
  const headers = new Headers({ "Content-Type": "application/json; charset=utf-8" });
  if (page.nextLast !== null && n !== null) {
    headers.set("Link", `</v2/${route.name}/tags/list?n=${n}&last=${encodeURIComponent(page.nextLast)}>; rel="next"`);
  }
  return new Response(JSON.stringify({ name: route.name, tags: page.tags }), { status: 200, headers });
}

/**
 * GET /v2/<name>/referrers/<digest> from Wharf's index (Distribution 2.8 has no referrers API): an
 * OCI image index of the manifests whose subject is the digest (listReferrers), empty when there
 * are none. With `artifactType`, only those of that type, and `OCI-Filters-Applied: artifactType`
 * says the filter was applied (a client that sees no such header filters itself). More than a page
 * (REFERRERS_PAGE_SIZE, or a smaller `n`) continues at the Link's `last`, which keeps the filter.
 */
export async function referrersList(request: GatewayRequest, route: Extract<RepositoryRoute, { kind: "referrers" }>, actor: Actor): Promise<Response> {
  const { query } = request;
  const rawN = query.get("n");
  const parsedN = rawN === null ? NaN : Number(rawN);
  // As for the tag list: unparsable or negative is "the default".
  const n = Number.isInteger(parsedN) && parsedN >= 0 ? parsedN : null;
  const artifactType = query.get("artifactType");
  const page = await listReferrers({ actor, repository: route.name, digest: route.digest, artifactType, n, last: query.get("last") });
  const headers = new Headers({ "Content-Type": OCI_IMAGE_INDEX });
  if (artifactType !== null) headers.set("OCI-Filters-Applied", "artifactType");
  if (page.nextLast !== null) {
    const next = new URLSearchParams();
    if (n !== null) next.set("n", String(n));
    if (artifactType !== null) next.set("artifactType", artifactType);
    next.set("last", page.nextLast);
    headers.set("Link", `</v2/${route.name}/referrers/${route.digest}?${next.toString()}>; rel="next"`);
  }
  const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: page.manifests });
  return new Response(body, { status: 200, headers });
}

/**
 * A manifest PUT with a `subject` that the registry accepted (and Wharf indexed): `OCI-Subject`
 * tells the client that this registry lists it in the referrers API, so it need not maintain the
 * referrers tag schema's sha256-<hex> index (Distribution 2.8 sends no such header).
 */
export function withSubjectHeader(served: Response, method: string, manifest: CheckedManifest | null): Response {
  if (method === "PUT" && served.status === 201 && manifest?.subject) served.headers.set("OCI-Subject", manifest.subject);
  return served;
}

/**
 * DELETE of a manifest by tag: that tag alone goes, through the console's own tag delete (the
 * untag technique, its permission check and its one tag.delete audit row), where Distribution 2.8
 * refuses a tag with 400 and a delete by digest would take every tag on the manifest. Null
 * (synchronously) for every other request.
 */
export function deleteTagRequest(route: RepositoryRoute, method: string, actor: Actor): Promise<Response> | null {
  if (route.kind !== "manifest" || method !== "DELETE" || isDigest(route.reference)) return null;
  return deleteTag({ actor, repository: route.name, tag: route.reference }).then(
    () => new Response(null, { status: 202 }),
    (error: unknown) => {
      if (!(error instanceof AppError)) throw error;
      if (error.status === 404) return registryErrorResponse(404, "MANIFEST_UNKNOWN", error.message, { method });
      if (error.status === 403 || error.status === 401) return registryErrorResponse(403, "DENIED", error.message, { method });
      return registryErrorResponse(error.status, error.status === 400 ? "TAG_INVALID" : "UNKNOWN", error.message, { method });
    },
  );
}

/** An upload's status, asked of the registry for `query`'s state (the upload check's fallback). */
export function uploadStatus(request: GatewayRequest, query: URLSearchParams): Promise<Response> {
  return forwardToRegistry(
    { method: "GET", path: request.upstreamPath, query, headers: new Headers(), body: null },
    { externalUrl: getServerEnv().externalUrl },
  );
}

/**
 * Upload bodies are bytes, whatever type the client named: Distribution 2.8 fails a PATCH with any
 * other Content-Type with a 500.
 */
function uploadHeaders(headers: Headers, method: string): Headers {
  if (method !== "PATCH" && method !== "PUT") return headers;
  const out = new Headers(headers);
  out.set("content-type", "application/octet-stream");
  return out;
}

/**
 * A manifest read without an Accept, or whose Accept allows any type through a wildcard range, is
 * sent with every manifest type Wharf knows added: the distribution spec serves a manifest as it
 * is stored then, where Distribution 2.8 answers an OCI manifest 404 and
 * rewrites a Docker one by tag to schema 1 under another digest. An Accept that names types
 * without a wildcard is the client's choice and goes through unchanged.
 */
function manifestReadHeaders(headers: Headers, method: string): Headers {
  if (method !== "GET" && method !== "HEAD") return headers;
  const accepted = acceptedManifestTypes(headers);
  if (!accepted.widened) return headers;
  const out = new Headers(headers);
  out.set("accept", accepted.types.join(", "));
  return out;
}

/**
 * The media types a manifest read accepts as the registry is asked for them: the client's own,
 * with every manifest type Wharf knows added (`widened`) when it sent none or a wildcard range.
 */
function acceptedManifestTypes(headers: Headers): { types: string[]; widened: boolean } {
  const ranges = (headers.get("accept") ?? "").split(",").map((range) => range.split(";")[0]!.trim().toLowerCase()).filter((range) => range !== "");
  const anything = ranges.length === 0 || ranges.some((range) => range === "*/*" || range === "application/*");
  return anything ? { types: [...new Set([...ranges.filter((range) => !range.includes("*")), ...MANIFEST_ACCEPT])], widened: true } : { types: ranges, widened: false };
}

/**
 * The miss hook point: the registry does not have a manifest or blob that was read (a 404). The
 * hooks' decision, or null (synchronously) when there is nothing to ask; a hook that fills the miss
 * (a proxy cache) gets the request forwarded once more, otherwise the 404 stands.
 */
export function onMiss(request: GatewayRequest, route: RepositoryRoute, served: Response, actor: Actor, projectId: number): Promise<"filled" | null> | null {
  const method = request.method;
  if (served.status !== 404 || !hasPolicyHooks("miss") || (method !== "GET" && method !== "HEAD") || (route.kind !== "manifest" && route.kind !== "blob")) return null;
  const reference = route.kind === "manifest" ? route.reference : route.digest;
  return decide("miss", { actor, projectId, repository: route.name, reference, kind: route.kind, method });
}

/** The ping's answer (the registry was pinged first). */
export function pong(method: string): Response {
  return new Response(method === "HEAD" ? null : "{}", { status: 200, headers: { "Content-Type": "application/json; charset=utf-8" } });
}

/** The catalog: the registry's own for administrators, otherwise the repositories the caller may pull. */
export async function catalog(access: CatalogAccess, request: GatewayRequest): Promise<Response> {
  const { method, query } = request;
  if (access.kind === "registry") {
    // The registry's own catalog: every repository, including ones written behind Wharf's back.
    return forwardToRegistry(
      { method, path: "/v2/_catalog", query, headers: new Headers(), body: null },
      { externalUrl: getServerEnv().externalUrl },
    );
  }
  if (access.kind === "account_gone") return accountGone(method, []);
  // Distribution's paging rules: n above the maximum is an error, n=0 an
  // empty page, an unparsable or negative n means "the default".
  const rawN = query.get("n");
  const parsedN = rawN === null ? NaN : Number(rawN);
  if (parsedN > CATALOG_MAX_PAGE) {
    return registryErrorResponse(400, "PAGINATION_NUMBER_INVALID", `n must be at most ${CATALOG_MAX_PAGE}.`, {
      method,
      detail: { n: parsedN },
    });
  }
  const n = Number.isInteger(parsedN) && parsedN >= 0 ? parsedN : CATALOG_MAX_PAGE;
  const page = await listPullableRepositories({ actor: access.actor, n, last: query.get("last") });
  const headers = new Headers({ "Content-Type": "application/json; charset=utf-8" });
  if (page.nextLast !== null) {
    headers.set("Link", `</v2/_catalog?last=${encodeURIComponent(page.nextLast)}&n=${n}>; rel="next"`);
  }
  return new Response(JSON.stringify({ repositories: page.repositories }), { status: 200, headers });
}
