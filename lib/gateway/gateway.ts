import "server-only";
import type { Actor } from "@/lib/auth/actor";
import { failureResponse, reject, refusalAnswer, unauthenticated, withRegistryHeaders } from "@/lib/gateway/answers";
import type { RepositoryRoute } from "@/lib/gateway/gateway-path";
import { readManifestBody, type CheckedManifest } from "@/lib/gateway/manifest-body";
import { parseRequest, type GatewayRequest } from "@/lib/gateway/parse";
import { decide, hasPolicyHooks, type HookRefusal, type WriteContext } from "@/lib/gateway/policy-hooks";
import { isRecorded, recordTraffic } from "@/lib/gateway/record";
import { proxyBlobMiss, proxyManifestRead } from "@/lib/gateway/proxy";
import { registryErrorResponse } from "@/lib/gateway/registry-response";
import {
  catalog,
  deleteTagRequest,
  forward,
  onMiss,
  pong,
  referrersList,
  reframeRangeRefusal,
  serveFromDisk,
  tagList,
  uploadStatus,
  withSubjectHeader,
} from "@/lib/gateway/serve";
import { checkUploadRequest, noteUploadAnswer } from "@/lib/gateway/upload-session";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import {
  authorizeRegistryRequest,
  catalogAccess,
  recordRegistryRefusal,
  type RegistryAuthorization,
} from "@/lib/services/registry-auth/authorize-registry-request";
import { authenticateRegistryCaller, type RegistryCaller } from "@/lib/services/registry-auth/registry-caller";
import { prepareManifestPush } from "@/lib/services/repositories/record-registry-traffic";
import { mirroredRepositoryName } from "@/lib/services/proxy-cache/mirror";

/**
 * The /v2 gateway (the Harbor 2.x model: Wharf, not the registry, authorizes), as a pipeline:
 *
 *   1. parse         the target strictly (parse.ts, gateway-path.ts); anything else is refused
 *   2. authenticate  a token from /service/token, or Basic credentials (registry-caller.ts)
 *   3. authorize     the project exists, and both the token and the subject's current grant cover
 *                    the request (authorize-registry-request.ts; a refusal writes its failure row)
 *   4. policy hooks  the hook point the request meets, if any (policy-hooks.ts)
 *   5. serve         Wharf's own answer where Distribution 2.8 falls short of the distribution
 *                    spec (a tag DELETE, tag list paging, the referrers API, chunk order), else a layer from the
 *                    registry's disk, or forwarded rebuilt from the parsed parts (serve.ts); a
 *                    proxy-cache project's manifest reads, and blob reads the registry misses,
 *                    from its cache or its upstream (proxy.ts); other misses go to the miss hooks
 *   6. record        manifest pushes, pulls and deletes (and blob deletes) the registry accepted
 *                    are written to Postgres (record.ts)
 *
 * Decisions come from lib/services as plain data; the HTTP answers are built here (answers.ts).
 * The stages are plain calls in order, not a list walked per request: each request pays only the
 * awaits its own stages need, and a request that meets no hook point pays nothing for them.
 *
 * `rawTarget` is the request target exactly as received (Wharf's front passes it); without it
 * the path is taken from `req.url`, which `new URL` has already normalized.
 */
export async function handleRegistryRequest(req: Request, rawTarget?: string): Promise<Response> {
  const method = req.method.toUpperCase();
  try {
    return withRegistryHeaders(await handle(req, method, rawTarget));
  } catch (error) {
    await req.body?.cancel().catch(() => undefined);
    // The client went away (Wharf's front aborts the signal when its connection closes): the
    // registry request failed because of that, not the registry. Nobody reads this answer.
    if (req.signal.aborted) return new Response(null, { status: 499 });
    return withRegistryHeaders(failureResponse(error, method));
  }
}

async function handle(req: Request, method: string, rawTarget: string | undefined): Promise<Response> {
  // 1. Parse (a registry mirror's Docker Hub name is read as the mirror project's repository).
  const request = await parseMirrored(req, method, rawTarget);
  if ("response" in request) return reject(req, request.response);
  const { route, scopes, client } = request;
  // A manifest PUT declared small (every real manifest is) is read while the caller is checked:
  // its bytes arrive with the request anyway, and a refusal drains them all the same.
  const earlyManifest = route.kind === "manifest" && method === "PUT" && declaredSmall(req.headers) ? readPutManifest(req, route.reference) : null;
  earlyManifest?.catch(() => undefined);

  // 2. Authenticate.
  const authenticated = await authenticateRegistryCaller(request.authorization, scopes, client);
  if (!authenticated.ok) return reject(req, unauthenticated(method, scopes, authenticated));
  const { caller } = authenticated;

  if (route.kind === "ping") {
    // Clients start every push and pull here: a backing registry that is down (or restarting) is
    // a 503 now (failureResponse), not a failure halfway through a transfer.
    await getBackingRegistry().ping();
    return pong(method);
  }
  if (route.kind === "catalog") return catalog(await catalogAccess(caller, client), request);

  // 3. Authorize.
  const authorized = await authorizeRegistryRequest(caller, route, method, client);
  if (!authorized.ok) return reject(req, refusalAnswer(authorized.refusal, route, method, scopes));
  const { actor, projectId } = authorized;
  // Nothing is stored under a reference that is neither a tag nor a digest (Distribution would
  // answer such a read 400 or 500; the distribution spec says 404).
  if (request.unknownReference) {
    return reject(req, registryErrorResponse(404, "MANIFEST_UNKNOWN", `Manifest unknown: ${JSON.stringify(route.kind === "manifest" ? route.reference : "")} is neither a tag nor a digest.`, { method }));
  }

  // 4. Policy hooks. A write (upload, manifest PUT/DELETE, blob DELETE) meets the write point
  // before anything is read: garbage collection's read-only window refuses it there.
  const write = writeKind(route, method);
  if (write && hasPolicyHooks("write")) {
    const refusal = await decide("write", { actor, projectId, repository: route.name, method, kind: write, proxyRegistryId: authorized.proxyRegistryId });
    if (refusal) return reject(req, await refuse(actor, route, method, projectId, refusal));
  }
  // A manifest PUT's body is read and checked first (size, media type, JSON
  // outline, digest): every manifest-put hook decides on the checked manifest.
  let manifest: CheckedManifest | null = null;
  if (route.kind === "manifest" && method === "PUT") {
    const checked = await (earlyManifest ?? readPutManifest(req, route.reference));
    if ("status" in checked) return reject(req, registryErrorResponse(checked.status, checked.code, checked.message, { method }));
    manifest = checked;
  }
  const policy = policyDecision(request, route, caller, authorized, manifest);
  const decision = policy && (await policy);
  if (decision === "drop-mount") {
    request.query.delete("mount");
    request.query.delete("from");
  } else if (decision) {
    return reject(req, await refuse(actor, route, method, projectId, decision));
  }

  // 5. Serve. What Distribution 2.8 cannot answer as the distribution spec says is answered here:
  // a tag DELETE (the console's tag delete), a tag list (from the index, paged), the referrers of a
  // digest (from the index), an upload chunk out of order (upload-session.ts). Then a layer from the registry's disk when Wharf shares it,
  // anything else forwarded.
  const untagged = deleteTagRequest(route, method, actor);
  if (untagged) return untagged;
  if (route.kind === "referrers") return referrersList(request, route, actor);
  if (route.kind === "tags") {
    const listed = await tagList(request, route, actor);
    if (listed) return listed;
  }
  const uploadCheck = checkUploadRequest(request, req.headers, (query) => uploadStatus(request, query));
  const outOfOrder = uploadCheck && (await uploadCheck);
  if (outOfOrder) return reject(req, outOfOrder);
  // A pushed manifest's config (or children) is read for the index while the registry stores it.
  const prepared = manifest && route.kind === "manifest" ? prepareManifestPush(route.name, route.reference, manifest) : undefined;
  // Awaited only when the registry accepts the manifest; a failure otherwise is nobody's to report.
  prepared?.catch(() => undefined);
  // A proxy-cache project answers its manifest reads itself (from its cache or its upstream).
  const proxied = proxyManifestRead(request, route, actor, projectId, authorized.proxyRegistryId);
  const fromDisk = proxied ? null : serveFromDisk(req, request, route);
  let served = (proxied && (await proxied)) || (fromDisk && (await fromDisk)) || (await forward(req, request, manifest ? manifest.bytes : req.body));
  // ...and a blob the registry lacks comes from the upstream while it is cached.
  const proxyMiss = proxyBlobMiss(request, route, served, projectId, authorized.proxyRegistryId);
  if (proxyMiss) {
    const answer = await proxyMiss;
    served = answer === "forward" ? await forward(req, request, null) : answer;
  }
  const miss = onMiss(request, route, served, actor, projectId);
  if (miss && (await miss) === "filled") {
    await served.body?.cancel().catch(() => undefined);
    served = await forward(req, request, null);
  }
  if (served.status === 416) served = await reframeRangeRefusal(route, method, served);

  if (route.kind === "upload" || route.kind === "upload-start") noteUploadAnswer(request, req.headers, served);

  // 6. Record.
  if (isRecorded(route, method)) await recordTraffic({ route, method, upstream: served, actor, projectId, manifest, prepared });
  // Only once the referrer is indexed: the header promises the referrers API lists it.
  return withSubjectHeader(served, method, manifest);
}

/** A manifest PUT's body, read and checked (manifest-body.ts). */
function readPutManifest(req: Request, reference: string): ReturnType<typeof readManifestBody> {
  return readManifestBody(req.body, req.headers.get("content-type"), req.headers.get("content-length"), reference);
}

/** What a manifest PUT may declare to be read before its caller is authorized. */
const EARLY_READ_MAX_BYTES = 64 * 1024;

function declaredSmall(headers: Headers): boolean {
  const declared = headers.get("content-length");
  return declared !== null && /^\d{1,6}$/.test(declared) && Number(declared) <= EARLY_READ_MAX_BYTES;
}

/**
 * Stage 1 with registry mirror mode (lib/services/proxy-cache/mirror.ts): a repository whose first
 * part is no Wharf project is the mirror project's, and is parsed again under that name, so every
 * later stage (the challenge's scope, the token check, the project, the serving) sees the name the
 * token service granted.
 */
async function parseMirrored(req: Request, method: string, rawTarget: string | undefined): Promise<GatewayRequest | { response: Response }> {
  const request = parseRequest(req, method, rawTarget);
  if ("response" in request || !("name" in request.route)) return request;
  const { name } = request.route;
  const mapped = await mirroredRepositoryName(name);
  if (mapped === name) return request;
  const url = new URL(req.url);
  const target = rawTarget ?? `${url.pathname}${url.search}`;
  const prefix = `/v2/${name}/`;
  return target.startsWith(prefix) ? parseRequest(req, method, `/v2/${mapped}/${target.slice(prefix.length)}`) : request;
}

/**
 * Stage 4's hook point for this request, and its hooks' decision; null (synchronously) when the
 * request meets no point or the point has no hooks. A blob mount from a repository the caller may
 * not pull would copy its blob: "drop-mount" lets the registry start a normal upload instead.
 */
function policyDecision(
  request: GatewayRequest,
  route: RepositoryRoute,
  caller: RegistryCaller,
  authorized: Extract<RegistryAuthorization, { ok: true }>,
  manifest: CheckedManifest | null,
): Promise<HookRefusal | "drop-mount" | null> | null {
  const { method } = request;
  const { actor, projectId } = authorized;
  if (route.kind === "upload-start" && hasPolicyHooks("blob-upload")) {
    return blobUploadDecision(request, caller, authorized, route.name);
  }
  if (request.mountFrom) return decide("upload-start", { caller, grants: authorized.grants, client: request.client, mountFrom: request.mountFrom });
  if (route.kind !== "manifest") return null;
  if (manifest) {
    if (!hasPolicyHooks("manifest-put")) return null;
    return decide("manifest-put", { actor, projectId, repository: route.name, reference: route.reference, manifest });
  }
  if (method === "DELETE" && hasPolicyHooks("manifest-delete")) {
    return decide("manifest-delete", { actor, projectId, repository: route.name, reference: route.reference });
  }
  if ((method === "GET" || method === "HEAD") && hasPolicyHooks("manifest-get")) {
    return decide("manifest-get", { actor, projectId, repository: route.name, reference: route.reference, method });
  }
  return null;
}

/** Which kind of write a request is, if it changes the registry's storage. */
function writeKind(route: RepositoryRoute, method: string): WriteContext["kind"] | null {
  if (method === "GET" || method === "HEAD") return null;
  if (route.kind === "upload-start" || route.kind === "upload") return "upload";
  if (route.kind === "manifest" && (method === "PUT" || method === "DELETE")) return "manifest";
  if (route.kind === "blob" && method === "DELETE") return "blob";
  return null;
}

/** A blob upload's start: the blob-upload hooks (quota) first, then a mount's source check. */
async function blobUploadDecision(
  request: GatewayRequest,
  caller: RegistryCaller,
  authorized: Extract<RegistryAuthorization, { ok: true }>,
  repository: string,
): Promise<HookRefusal | "drop-mount" | null> {
  const refused = await decide("blob-upload", { actor: authorized.actor, projectId: authorized.projectId, repository });
  if (refused) return refused;
  if (request.mountFrom) return decide("upload-start", { caller, grants: authorized.grants, client: request.client, mountFrom: request.mountFrom });
  return null;
}

/** A hook's refusal: the failure row of the refused push or pull, and the registry error the hook chose. */
async function refuse(actor: Actor, route: RepositoryRoute, method: string, projectId: number, refusal: HookRefusal): Promise<Response> {
  await recordRegistryRefusal(actor, route, method, projectId, refusal.reason);
  return registryErrorResponse(refusal.status, refusal.code, refusal.message, { method, headers: refusal.headers });
}
