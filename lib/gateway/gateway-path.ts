import { isDigest } from "@/lib/oci/digest";
import { isValidRepositoryName, isValidTag } from "@/lib/oci/reference";
import type { RegistryTarget } from "@/lib/services/registry-auth/registry-target";
import { CONTROL_CHARACTERS } from "@/lib/validation/common";

/**
 * Strict parsing of the /v2 API paths Wharf forwards (Distribution's routes, registry/api/v2).
 * Only what parses here is ever sent to the backing registry, and it is sent rebuilt from the
 * parsed parts, so path tricks cannot reach a different resource than the one authorized.
 */
export type GatewayRoute = { kind: "ping" } | { kind: "catalog" } | RegistryTarget;

/** A route inside a repository: what the services authorize (registry-target.ts). */
export type RepositoryRoute = RegistryTarget;

export type GatewayPathError = { status: number; code: string; message: string };

export type ParsedGatewayRequest =
  | {
      ok: true;
      route: GatewayRoute;
      upstreamPath: string;
      query: URLSearchParams;
      mountFrom: MountFrom | null;
      /**
       * A manifest read or delete whose reference is neither a tag nor a digest: nothing can be
       * stored under it, so it is answered 404 MANIFEST_UNKNOWN once the caller is authorized
       * (an unauthenticated client still gets its challenge first, as for any other reference).
       */
      unknownReference: boolean;
    }
  | ({ ok: false } & GatewayPathError);

/** A cross-repository blob mount (`POST …/blobs/uploads/?mount=<digest>&from=<repo>`). */
export type MountFrom = { digest: string; from: string };

const METHODS: Record<GatewayRoute["kind"], readonly string[]> = {
  ping: ["GET", "HEAD"],
  catalog: ["GET"],
  tags: ["GET", "HEAD"],
  manifest: ["GET", "HEAD", "PUT", "DELETE"],
  // The distribution spec defines only GET on the referrers endpoint.
  referrers: ["GET"],
  blob: ["GET", "HEAD", "DELETE"],
  "upload-start": ["POST"],
  upload: ["GET", "PATCH", "PUT", "DELETE"],
};

/** Query parameters each route passes on; everything else is dropped. */
const FORWARDED_QUERY: Record<GatewayRoute["kind"], readonly string[]> = {
  ping: [],
  catalog: ["n", "last"],
  tags: ["n", "last"],
  manifest: [],
  // The spec's filter, and Wharf's own paging (`n` at most a page, `last` the digest a page ended at).
  referrers: ["artifactType", "n", "last"],
  blob: [],
  "upload-start": ["digest", "mount", "from"],
  // `_state` is the registry's HMAC'd upload state, carried in the Location it handed out.
  upload: ["_state", "digest"],
};

const UPLOAD_ID_RE = /^[A-Za-z0-9._=-]{1,128}$/;
const PAGE_SIZE_RE = /^-?\d{1,9}$/;

const ROUTES: { re: RegExp; build: (m: RegExpExecArray) => RepositoryRoute | GatewayPathError }[] = [
  { re: /^(.+)\/tags\/list$/, build: (m) => ({ kind: "tags", name: m[1] ?? "" }) },
  { re: /^(.+)\/manifests\/([^/]+)$/, build: (m) => manifestRoute(m[1] ?? "", m[2] ?? "") },
  { re: /^(.+)\/referrers\/([^/]+)$/, build: (m) => referrersRoute(m[1] ?? "", m[2] ?? "") },
  // Upload routes before blobs: `a/blobs/uploads/x` is an upload of `a`, not blob `x` of `a/blobs/uploads`.
  { re: /^(.+)\/blobs\/uploads\/?$/, build: (m) => ({ kind: "upload-start", name: m[1] ?? "" }) },
  { re: /^(.+)\/blobs\/uploads\/([^/]+)$/, build: (m) => uploadRoute(m[1] ?? "", m[2] ?? "") },
  { re: /^(.+)\/blobs\/([^/]+)$/, build: (m) => blobRoute(m[1] ?? "", m[2] ?? "") },
];

export function parseGatewayRequest(method: string, pathname: string, search: URLSearchParams): ParsedGatewayRequest {
  const parsed = parsePath(pathname);
  if ("status" in parsed) return { ok: false, ...parsed };
  const route = parsed;
  if (!METHODS[route.kind].includes(method)) {
    return { ok: false, ...fail(405, "UNSUPPORTED", `${method} is not supported on this registry endpoint.`) };
  }
  const unknownReference = route.kind === "manifest" && !isDigest(route.reference) && !isValidTag(route.reference);
  // A push names the tag it creates: an invalid one is the client's mistake, told before anything else.
  if (unknownReference && method === "PUT") return { ok: false, ...tagInvalid(route.reference) };
  const query = new URLSearchParams();
  for (const key of FORWARDED_QUERY[route.kind]) {
    const value = search.get(key);
    if (value !== null) query.set(key, value);
  }
  const invalid = validateQuery(route, query);
  if (invalid) return { ok: false, ...invalid };
  let mountFrom: MountFrom | null = null;
  const mount = query.get("mount");
  const from = query.get("from");
  if (route.kind === "upload-start" && mount !== null && from !== null) mountFrom = { digest: mount, from };
  return { ok: true, route, upstreamPath: upstreamPathOf(route), query, mountFrom, unknownReference };
}

function parsePath(pathname: string): GatewayRoute | GatewayPathError {
  if (pathname === "/v2" || pathname === "/v2/") return { kind: "ping" };
  if (!pathname.startsWith("/v2/")) return notFound();
  const rest = pathname.slice("/v2/".length);
  if (rest === "_catalog") return { kind: "catalog" };
  // Nothing legitimate is percent-encoded (names, tags, digests and upload ids are plain ASCII),
  // and encoded dots or slashes are how path tricks hide. Empty and dot segments likewise.
  if (rest.includes("%")) return nameInvalid("percent-encoded characters are not allowed in registry paths");
  if (rest.includes("\\")) return nameInvalid("backslashes are not allowed in registry paths");
  const segments = rest.split("/");
  const interior = rest.endsWith("/") ? segments.slice(0, -1) : segments;
  if (interior.some((s) => s === "" || s === "." || s === "..")) {
    return nameInvalid("empty, '.' and '..' path segments are not allowed");
  }
  for (const { re, build } of ROUTES) {
    const match = re.exec(rest);
    if (!match) continue;
    const route = build(match);
    if ("status" in route) return route;
    const nameError = checkRepositoryName(route.name);
    return nameError ?? route;
  }
  return notFound();
}

function checkRepositoryName(name: string): GatewayPathError | null {
  if (!isValidRepositoryName(name)) {
    return nameInvalid(
      `${JSON.stringify(name.slice(0, 300))} is not a valid repository name (lowercase letters, digits and . _ - separators, in path components of at most 255 characters in all)`,
    );
  }
  if (!name.includes("/")) {
    return nameInvalid(`${JSON.stringify(name)} has no project: push to <project>/<repository>, e.g. library/${name}`);
  }
  return null;
}

/**
 * A reference with ':' is meant as a digest, and a malformed one is refused here (400
 * DIGEST_INVALID, where Distribution would answer 500). Anything else that is not a tag is kept
 * (cut to a bounded length, for the audit row of a refusal) and marked unknownReference above.
 */
function manifestRoute(name: string, reference: string): RepositoryRoute | GatewayPathError {
  if (isDigest(reference) || isValidTag(reference)) return { kind: "manifest", name, reference };
  if (reference.includes(":")) return digestInvalid(reference);
  return { kind: "manifest", name, reference: reference.slice(0, MAX_SHOWN_REFERENCE) };
}

const MAX_SHOWN_REFERENCE = 200;

function tagInvalid(reference: string): GatewayPathError {
  return fail(400, "TAG_INVALID", `Invalid tag ${JSON.stringify(reference)}: up to 128 letters, digits, _ . and -, not starting with . or -.`);
}

/** The referrers of a digest: a malformed digest is 400 DIGEST_INVALID, as the spec says. */
function referrersRoute(name: string, digest: string): RepositoryRoute | GatewayPathError {
  return isDigest(digest) ? { kind: "referrers", name, digest } : digestInvalid(digest);
}

function blobRoute(name: string, digest: string): RepositoryRoute | GatewayPathError {
  return isDigest(digest) ? { kind: "blob", name, digest } : digestInvalid(digest);
}

function uploadRoute(name: string, uploadId: string): RepositoryRoute | GatewayPathError {
  if (!UPLOAD_ID_RE.test(uploadId)) return fail(404, "BLOB_UPLOAD_UNKNOWN", "Unknown upload session.");
  return { kind: "upload", name, uploadId };
}

function validateQuery(route: GatewayRoute, query: URLSearchParams): GatewayPathError | null {
  const digest = query.get("digest");
  if (digest !== null && !isDigest(digest)) return digestInvalid(digest);
  const mount = query.get("mount");
  if (mount !== null && !isDigest(mount)) return digestInvalid(mount);
  const from = query.get("from");
  if (from !== null && !isValidRepositoryName(from)) {
    return nameInvalid(`mount source ${JSON.stringify(from.slice(0, 300))} is not a valid repository name`);
  }
  if (route.kind === "referrers") return validateReferrersQuery(query);
  const n = query.get("n");
  // Distribution ignores a page size it cannot parse; so do we, rather than forward garbage.
  if (n !== null && !PAGE_SIZE_RE.test(n)) query.delete("n");
  const last = query.get("last");
  // `last` is a repository name; one with a control character can match nothing (and a NUL would
  // reach Postgres, which refuses it).
  if (last !== null && CONTROL_CHARACTERS.test(last)) return nameInvalid("last must not contain control characters");
  if (last !== null && last.length > 255) query.delete("last");
  if (route.kind === "upload") {
    const state = query.get("_state");
    if (state !== null && state.length > 4096) return fail(400, "BLOB_UPLOAD_INVALID", "The upload state is too long.");
  }
  return null;
}

/**
 * The referrers query: `last` is the digest the previous page ended at (Wharf writes it into the
 * Link), so anything else is a client's mistake; `artifactType` is a media type, and one longer than
 * a media type can be (255) matches nothing, so it is kept and simply finds nothing. A page size
 * that does not parse is dropped, as for the tag list.
 */
function validateReferrersQuery(query: URLSearchParams): GatewayPathError | null {
  const last = query.get("last");
  if (last !== null && !isDigest(last)) return digestInvalid(last);
  const artifactType = query.get("artifactType");
  if (artifactType !== null && CONTROL_CHARACTERS.test(artifactType)) {
    return fail(400, "UNSUPPORTED", "artifactType must not contain control characters.");
  }
  const n = query.get("n");
  if (n !== null && !PAGE_SIZE_RE.test(n)) query.delete("n");
  return null;
}

/** The path sent upstream, rebuilt from validated parts (never the client's raw path). */
export function upstreamPathOf(route: GatewayRoute): string {
  switch (route.kind) {
    case "ping":
      return "/v2/";
    case "catalog":
      return "/v2/_catalog";
    case "tags":
      return `/v2/${route.name}/tags/list`;
    case "manifest":
      return `/v2/${route.name}/manifests/${route.reference}`;
    // Never sent: Wharf answers it from its index (Distribution 2.8 has no referrers API).
    case "referrers":
      return `/v2/${route.name}/referrers/${route.digest}`;
    case "blob":
      return `/v2/${route.name}/blobs/${route.digest}`;
    case "upload-start":
      return `/v2/${route.name}/blobs/uploads/`;
    case "upload":
      return `/v2/${route.name}/blobs/uploads/${route.uploadId}`;
  }
}

function fail(status: number, code: string, message: string): GatewayPathError {
  return { status, code, message };
}

function nameInvalid(reason: string): GatewayPathError {
  return fail(400, "NAME_INVALID", `Invalid repository name or path: ${reason}.`);
}

function digestInvalid(value: string): GatewayPathError {
  return fail(400, "DIGEST_INVALID", `Invalid digest ${JSON.stringify(value.slice(0, 200))}: expected sha256:<64 hex> or sha512:<128 hex>.`);
}

function notFound(): GatewayPathError {
  return fail(404, "NOT_FOUND", "No such registry API endpoint.");
}
