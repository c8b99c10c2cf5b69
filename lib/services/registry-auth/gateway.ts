import "server-only";
import type { Actor, ClientInfo } from "@/lib/auth/actor";
import { clientInfoFromHeaders } from "@/lib/auth/client-info";
import { getServerEnv } from "@/lib/env";
import { AppError, DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailableError } from "@/lib/errors";
import { getBackingRegistry } from "@/lib/registry/backing-registry";
import { CATALOG_MAX_PAGE } from "@/lib/registry/client";
import { RegistryUnavailableError } from "@/lib/registry/errors";
import { forwardToRegistry } from "@/lib/registry/forward";
import { serveLocalBlob } from "@/lib/registry/local-blob-store";
import {
  artifactName,
  recordBlobDelete,
  recordManifestDelete,
  recordManifestPull,
  recordManifestPush,
} from "@/lib/services/repositories/record-registry-traffic";
import { recordRefusal } from "@/lib/services/audit/record-audit-event";
import type { AuditOperation } from "@/lib/services/audit/audit-actions";
import { listPullableRepositories } from "@/lib/services/repositories/list-pullable-repositories";
import { actionsFor, parseGatewayRequest, type GatewayRoute, type RepositoryRoute } from "@/lib/services/registry-auth/gateway-path";
import { actionsInMissingProject, readCurrentGrants, type GrantReader } from "@/lib/services/registry-auth/current-grant";
import { grantAccess, projectNameOf } from "@/lib/services/registry-auth/grant";
import { authenticate } from "@/lib/services/registry-auth/issue-token";
import { readManifestBody, type CheckedManifest } from "@/lib/services/registry-auth/manifest-body";
import { findRegistryProject } from "@/lib/services/registry-auth/project-lookup";
import {
  API_VERSION_HEADER,
  bearerChallenge,
  NOSNIFF_HEADER,
  registryErrorResponse,
} from "@/lib/services/registry-auth/registry-response";
import { formatScope, type RegistryScope } from "@/lib/services/registry-auth/scope";
import { actorForTokenSubject } from "@/lib/services/registry-auth/token-subject";
import { InvalidTokenError, tokenGrants, verifyRegistryToken, type AccessEntry } from "@/lib/services/registry-auth/token";

/**
 * The /v2 gateway (the Harbor 2.x model: Wharf, not the registry, authorizes). Every request is parsed strictly, its
 * credentials checked (a token from /service/token, or Basic credentials as Harbor also accepts),
 * the project must exist and both the token and the subject's current grant (current-grant.ts)
 * must cover what the method needs; only then is it
 * forwarded, rebuilt from the parsed parts, to the backing registry. Manifest pushes, pulls and
 * deletes that the registry accepted are recorded in Postgres.
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

/** Who is calling and what they may do: a verified token's claims, or a Basic login's grant. */
type Caller = {
  subject: string;
  access: AccessEntry[];
  /** Seconds; tokens older than the project they name are refused (a re-created project). */
  issuedAt: number;
  /** Known for Basic logins; looked up from `subject` for tokens when needed. */
  actor: Actor | null;
};

type Authenticated = { ok: true; caller: Caller } | { ok: false; response: Response };

async function handle(req: Request, method: string, rawTarget: string | undefined): Promise<Response> {
  const { pathname, searchParams } = rawTarget === undefined ? new URL(req.url) : splitTarget(rawTarget);
  const parsed = parseGatewayRequest(method, pathname, searchParams);
  if (!parsed.ok) return reject(req, registryErrorResponse(parsed.status, parsed.code, parsed.message, { method }));
  const { route } = parsed;
  const client = clientInfoFromHeaders(req.headers);

  const scope = scopeFor(route, method);
  const auth = await authenticateCaller(req.headers.get("authorization"), scope, client, method);
  if (!auth.ok) return reject(req, auth.response);
  const { caller } = auth;

  if (route.kind === "ping") {
    // Clients start every push and pull here: a backing registry that is down (or restarting) is
    // a 503 now (failureResponse), not a failure halfway through a transfer.
    await getBackingRegistry().ping();
    return new Response(method === "HEAD" ? null : "{}", { status: 200, headers: { "Content-Type": "application/json; charset=utf-8" } });
  }
  if (route.kind === "catalog") return catalog(caller, parsed.query, client, method);

  const needed = actionsFor(method);
  // Read before the project: a grant change committed before this request arrived is seen.
  const grants = await readCurrentGrants();
  const project = await findRegistryProject(projectNameOf(route.name));
  if (!project) return reject(req, await projectMissing(caller, route, method, scope, client));

  // What the token says and what the subject still holds (a member removed, a role lowered, a robot
  // disabled or a project made private since the token was issued): both must allow the request.
  const current = await grants.grantIn(caller.subject, project.id, client);
  if (!current.actor) return reject(req, accountGone(method, scope));
  const actor: Actor = caller.actor ?? current.actor;
  const tokenAllows = tokenGrants(caller, "repository", route.name, needed);
  const stillHeld = needed.every((action) => current.actions.has(action));
  if (!tokenAllows || !stillHeld) {
    const reason = tokenAllows
      ? `no longer holds ${needed.filter((action) => !current.actions.has(action)).join(" and ")} on ${route.name} (revoked after the token was issued)`
      : `the token does not grant ${needed.join(" and ")} on ${route.name}`;
    await recordGatewayRefusal(actor, route, method, project.id, reason);
    return reject(req, insufficientScope(route, method, scope, needed));
  }
  // Only now, to a caller who may use the project: what it says about the project's history.
  if (caller.issuedAt < Math.floor(project.createdAt.getTime() / 1000)) {
    return reject(req, unauthorized(method, scope, "invalid_token", `The token was issued before project ${project.name} was created; get a new one.`));
  }
  if (caller.issuedAt < current.tokensValidFrom) {
    return reject(req, unauthorized(method, scope, "invalid_token", "The token was issued before this account's credentials last changed; get a new one."));
  }
  // A mount from a repository the caller may not pull would copy its blob: drop the mount and let
  // the registry start a normal upload instead (the client then uploads the blob itself).
  if (parsed.mountFrom && !(await mayPullNow(caller, parsed.mountFrom.from, grants, client))) {
    parsed.query.delete("mount");
    parsed.query.delete("from");
  }

  const audited = route.kind === "manifest" && method !== "HEAD";
  const auditedBlobDelete = route.kind === "blob" && method === "DELETE";

  let manifest: CheckedManifest | null = null;
  if (route.kind === "manifest" && method === "PUT") {
    const checked = await readManifestBody(
      req.body,
      req.headers.get("content-type"),
      req.headers.get("content-length"),
      route.reference,
    );
    if ("status" in checked) return reject(req, registryErrorResponse(checked.status, checked.code, checked.message, { method }));
    manifest = checked;
  }

  // Downloads of layers and configs: straight from the registry's disk when Wharf shares it.
  if (route.kind === "blob" && (method === "GET" || method === "HEAD")) {
    const storageDir = getServerEnv().WHARF_REGISTRY_STORAGE_DIR;
    const local = storageDir
      ? await serveLocalBlob({ storageDir, repository: route.name, digest: route.digest, method, range: req.headers.get("range") })
      : null;
    if (local) return local;
  }

  const upstream = await forwardToRegistry(
    {
      method,
      path: parsed.upstreamPath,
      query: parsed.query,
      headers: req.headers,
      body: manifest ? manifest.bytes : req.body,
      signal: req.signal,
    },
    { externalUrl: getServerEnv().externalUrl },
  );

  if (audited || auditedBlobDelete) {
    await recordSuccess({ route, method, upstream, actor, projectId: project.id, manifest });
  }
  return upstream;
}

/**
 * The request target as the client sent it ("/v2/a/../b?n=1"), without the dot-segment and
 * slash normalization that `new URL` applies: the path parser refuses those forms itself.
 */
function splitTarget(target: string): { pathname: string; searchParams: URLSearchParams } {
  const question = target.indexOf("?");
  if (question < 0) return { pathname: target, searchParams: new URLSearchParams() };
  return { pathname: target.slice(0, question), searchParams: new URLSearchParams(target.slice(question + 1)) };
}

/** The scope a request needs, as named in challenges. */
function scopeFor(route: GatewayRoute, method: string): RegistryScope | null {
  if (route.kind === "ping") return null;
  if (route.kind === "catalog") return { type: "registry", resourceClass: null, name: "catalog", actions: ["*"] };
  return { type: "repository", resourceClass: null, name: route.name, actions: actionsFor(method) };
}

async function authenticateCaller(
  authorization: string | null,
  scope: RegistryScope | null,
  client: ClientInfo,
  method: string,
): Promise<Authenticated> {
  if (authorization === null || authorization.trim() === "") {
    return { ok: false, response: unauthorized(method, scope, null, "Authentication required.") };
  }
  if (/^Bearer\s/i.test(authorization)) {
    try {
      const claims = await verifyRegistryToken(authorization.replace(/^Bearer\s+/i, "").trim());
      return { ok: true, caller: { subject: claims.sub, access: claims.access, issuedAt: claims.iat, actor: null } };
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        return { ok: false, response: unauthorized(method, scope, "invalid_token", error.message) };
      }
      throw error;
    }
  }
  // Basic credentials straight on /v2 (Harbor accepts them too): granted exactly what this
  // request needs, as the token service would have.
  try {
    const actor = await authenticate(authorization, client);
    const access = scope ? await grantAccess(actor, [scope]) : [];
    const subject = actor.kind === "user" ? actor.username : actor.kind === "robot" ? actor.name : "";
    return { ok: true, caller: { subject, access, issuedAt: Math.floor(Date.now() / 1000), actor } };
  } catch (error) {
    if (error instanceof AppError && error.status === 401) {
      return { ok: false, response: unauthorized(method, scope, null, error.message) };
    }
    throw error;
  }
}

async function catalog(caller: Caller, query: URLSearchParams, client: ClientInfo, method: string): Promise<Response> {
  if (tokenGrants(caller, "registry", "catalog", ["*"])) {
    // The registry's own catalog: every repository, including ones written behind Wharf's back.
    return forwardToRegistry(
      { method, path: "/v2/_catalog", query, headers: new Headers(), body: null },
      { externalUrl: getServerEnv().externalUrl },
    );
  }
  const actor = caller.actor ?? (await actorForTokenSubject(caller.subject, client));
  if (!actor) return unauthorized(method, null, "invalid_token", "The account this token was issued to no longer exists or is disabled.");
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
  const page = await listPullableRepositories({ actor, n, last: query.get("last") });
  const headers = new Headers({ "Content-Type": "application/json; charset=utf-8" });
  if (page.nextLast !== null) {
    headers.set("Link", `</v2/_catalog?last=${encodeURIComponent(page.nextLast)}&n=${n}>; rel="next"`);
  }
  return new Response(JSON.stringify({ repositories: page.repositories }), { status: 200, headers });
}

async function recordSuccess({
  route,
  method,
  upstream,
  actor,
  projectId,
  manifest,
}: {
  route: RepositoryRoute;
  method: string;
  upstream: Response;
  actor: Actor;
  projectId: number;
  manifest: CheckedManifest | null;
}): Promise<void> {
  const digestHeader = upstream.headers.get("docker-content-digest");
  const mediaTypeHeader = upstream.headers.get("content-type")?.split(";")[0]?.trim() ?? null;
  try {
    if (route.kind === "manifest") {
      const event = { actor, projectId, repository: route.name, reference: route.reference };
      if (method === "PUT" && upstream.status === 201 && manifest) {
        const digest = digestHeader ?? manifest.digest;
        await recordManifestPush({ ...event, digest, mediaType: manifest.mediaType, manifest: { digest, mediaType: manifest.mediaType, bytes: manifest.bytes } });
      } else if (method === "GET" && upstream.status === 200) {
        await recordManifestPull({ ...event, digest: digestHeader, mediaType: mediaTypeHeader });
      } else if (method === "DELETE" && upstream.status === 202) {
        await recordManifestDelete({ ...event, digest: digestHeader ?? route.reference, mediaType: null });
      }
    } else if (route.kind === "blob" && method === "DELETE" && upstream.status === 202) {
      await recordBlobDelete({ actor, projectId, repository: route.name, digest: route.digest });
    }
  } catch (error) {
    // The audit trail must not silently miss traffic: the client is told it failed.
    await upstream.body?.cancel().catch(() => undefined);
    const what = route.kind === "manifest" ? artifactName(route.name, route.reference) : route.name;
    throw new RecordingError(`${method} ${what} reached the registry but could not be recorded`, { cause: error });
  }
}

/** Whether the caller may pull `repository` now: by its token and by its current grant. */
async function mayPullNow(caller: Caller, repository: string, grants: GrantReader, client: ClientInfo): Promise<boolean> {
  if (!tokenGrants(caller, "repository", repository, ["pull"])) return false;
  const project = await findRegistryProject(projectNameOf(repository));
  return project !== null && (await grants.grantIn(caller.subject, project.id, client)).actions.has("pull");
}

/**
 * A refused push, pull (manifest GET) or delete by a caller who presented credentials: one failure
 * row, as for a refused action in the console. Not recorded: HEAD and blob reads (a client probes
 * those constantly) and requests without credentials, which are the normal first step of the token
 * handshake rather than an attempt. A token whose account has since been disabled or deleted is
 * refused before this (accountGone): the change that matters was recorded when it was made.
 */
async function recordGatewayRefusal(actor: Actor, route: RepositoryRoute, method: string, projectId: number | null, reason: string): Promise<void> {
  const attempt = refusedAttempt(route, method);
  if (!attempt) return;
  await recordRefusal({
    actor,
    action: attempt.action,
    resource: { type: attempt.resourceType, name: attempt.name },
    projectId,
    reason,
    detail: { method, path: route.kind },
  });
}

function refusedAttempt(route: RepositoryRoute, method: string): { action: AuditOperation; resourceType: string; name: string } | null {
  switch (route.kind) {
    case "manifest": {
      const name = artifactName(route.name, route.reference);
      if (method === "GET") return { action: "artifact.pull", resourceType: "artifact", name };
      if (method === "PUT") return { action: "artifact.push", resourceType: "artifact", name };
      if (method === "DELETE") return { action: "artifact.delete", resourceType: "artifact", name };
      return null;
    }
    case "blob":
      return method === "DELETE" ? { action: "blob.delete", resourceType: "blob", name: `${route.name}@${route.digest}` } : null;
    case "upload-start":
    case "upload":
      return { action: "artifact.push", resourceType: "repository", name: route.name };
    default:
      return null;
  }
}

class RecordingError extends Error {
  override name = "RecordingError";
}

/**
 * A repository in a project that does not exist. Only a caller who would hold the request's
 * actions in it (an administrator, a robot granted every project or that name) is told so; anyone
 * else gets exactly the refusal a private project they cannot use gets (the same challenge, body
 * and failure row), so that no caller without a grant can tell a missing project from a private one.
 */
async function projectMissing(caller: Caller, route: RepositoryRoute, method: string, scope: RegistryScope | null, client: ClientInfo): Promise<Response> {
  const needed = actionsFor(method);
  const actor = caller.actor ?? (await actorForTokenSubject(caller.subject, client));
  if (!actor) return accountGone(method, scope);
  const project = projectNameOf(route.name);
  const held = await actionsInMissingProject(actor, project);
  if (!needed.every((action) => held.has(action))) {
    await recordGatewayRefusal(actor, route, method, null, `the token does not grant ${needed.join(" and ")} on ${route.name}`);
    return insufficientScope(route, method, scope, needed);
  }
  if (method === "GET" || method === "HEAD" || method === "DELETE") {
    return registryErrorResponse(404, "NAME_UNKNOWN", `Repository ${route.name} is not known: project ${project} does not exist.`, { method });
  }
  // No silent creation: projects are made in Wharf, with an owner and members.
  return registryErrorResponse(403, "DENIED", `project ${project} does not exist. Create it in Wharf first.`, { method });
}

function insufficientScope(route: RepositoryRoute, method: string, scope: RegistryScope | null, needed: readonly string[]): Response {
  return unauthorized(method, scope, "insufficient_scope", `Access to ${route.name} requires ${needed.join(" and ")} permission.`, [
    ...needed.map((action) => ({ Type: "repository", Class: "", Name: route.name, Action: action })),
  ]);
}

function accountGone(method: string, scope: RegistryScope | null): Response {
  return unauthorized(method, scope, "invalid_token", "The account this token was issued to no longer exists or is disabled.");
}

function unauthorized(
  method: string,
  scope: RegistryScope | null,
  error: "invalid_token" | "insufficient_scope" | null,
  message: string,
  detail?: unknown,
): Response {
  const challenge = bearerChallenge({
    scope: scope ? formatScope(scope.type, scope.name, scope.actions) : null,
    error: error ?? undefined,
  });
  return registryErrorResponse(401, "UNAUTHORIZED", message, { method, detail, headers: { "WWW-Authenticate": challenge } });
}

/** Refusing before the body was read: cancel it, so the client is not left uploading into nothing. */
async function reject(req: Request, response: Response): Promise<Response> {
  await req.body?.cancel().catch(() => undefined);
  return response;
}

/** Every /v2 answer: the API version, and nosniff (a blob is whatever bytes were pushed; a browser must not run it). */
function withRegistryHeaders(response: Response): Response {
  if (!response.headers.has(API_VERSION_HEADER[0])) response.headers.set(API_VERSION_HEADER[0], API_VERSION_HEADER[1]);
  response.headers.set(NOSNIFF_HEADER[0], NOSNIFF_HEADER[1]);
  return response;
}

function failureResponse(error: unknown, method: string): Response {
  if (error instanceof RegistryUnavailableError) {
    console.error(`wharf: gateway: ${error.message}`);
    return registryErrorResponse(503, "UNAVAILABLE", "The backing registry is unreachable; try again later.", {
      method,
      headers: { "Retry-After": "5" },
    });
  }
  if (isDatabaseUnavailableError(error)) {
    console.warn(`wharf: gateway: the database is unreachable (${(error as Error).message.split("\n")[0]})`);
    return registryErrorResponse(503, "UNAVAILABLE", "Wharf's database is unreachable; try again later.", {
      method,
      headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) },
    });
  }
  if (error instanceof RecordingError) {
    console.error(`wharf: gateway: ${error.message}`, error.cause);
    return registryErrorResponse(500, "UNKNOWN", `${error.message}; try again.`, { method });
  }
  console.error("wharf: gateway: unexpected failure", error);
  return registryErrorResponse(500, "UNKNOWN", "The registry gateway failed; see the server log.", { method });
}
