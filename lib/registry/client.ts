import { createHash } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { basicAuthorization, type RegistryCredentials } from "./credentials";
import type { RegistryAuth } from "./endpoint";
import { RegistryCredentialsError, RegistryError, RegistryUnavailableError, registryErrorFromBody } from "./errors";
import { fetchForTls, hasTlsSettings, type RegistryTls } from "./tls-fetch";
import { expectedScopes, fetchToken, parseBearerChallenge, TokenCache, TokenRefusedError } from "./token-auth";
import { digestAlgorithmOf, isDigest } from "@/lib/oci/digest";
import { MANIFEST_ACCEPT_HEADER } from "@/lib/oci/media-types";
import { MANIFEST_MAX_BYTES } from "@/lib/oci/manifest";
import { formatReference, isValidRepositoryName, isValidTag } from "@/lib/oci/reference";
import { readBounded } from "@/lib/streams/read-bounded";

/**
 * The only code that talks to a registry over the Distribution API: the backing Distribution
 * registry (2.8, on loopback or reachable from Wharf alone, which accepts only Wharf's own
 * credentials, sent with every request), and remote registries (replication, proxy cache) with no
 * auth, HTTP Basic or Docker token auth (see token-auth.ts and endpoint.ts). Every input is
 * validated before a request is made, so a bad name can never turn into an unexpected URL.
 */

export interface RegistryClientOptions {
  baseUrl: string;
  /** Sent as HTTP Basic with every request (the backing registry); the same as `auth: basic`. */
  credentials?: RegistryCredentials;
  /** How to authenticate; `credentials` alone means Basic, neither means none. */
  auth?: RegistryAuth;
  /** How errors name the registry: "The backing registry" unless told ("The registry <name>"). */
  label?: string;
  /** Per-request timeout for everything except the body of a blob stream. */
  timeoutMs?: number;
  /** The clock token expiry is measured with (tests move it). */
  now?: () => number;
  /** Skip TLS verification, or trust a custom CA, for every request (the token realm's too). */
  tls?: RegistryTls;
  /**
   * Asked before every write (POST, PUT, DELETE); it throws to refuse it. The backing registry's
   * client refuses writes during garbage collection's read-only window (backing-registry.ts).
   */
  beforeWrite?: (what: string) => Promise<void>;
}

export interface ManifestDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface FetchedManifest extends ManifestDescriptor {
  bytes: Uint8Array;
  json: unknown;
}

export interface CatalogPage {
  repositories: string[];
  /** Pass as `last` to get the next page; null on the final page. */
  nextLast: string | null;
}

/** The registry's default `catalog.maxentries`; a larger n is answered 400 PAGINATION_NUMBER_INVALID. */
export const CATALOG_MAX_PAGE = 1000;
const DEFAULT_TIMEOUT_MS = 10_000;
const BACKING_LABEL = "The backing registry";

export function assertRepositoryName(name: string): void {
  if (!isValidRepositoryName(name)) {
    throw new RegistryError(400, "NAME_INVALID", `Invalid repository name ${JSON.stringify(name)}.`);
  }
}

export function assertDigest(digest: string): void {
  if (!isDigest(digest)) {
    throw new RegistryError(
      400,
      "DIGEST_INVALID",
      `Invalid digest ${JSON.stringify(digest)}: expected sha256:<64 hex> or sha512:<128 hex>.`,
    );
  }
}

/** A manifest reference is a tag or a digest; anything else must not reach a URL. */
export function assertReference(reference: string): void {
  if (reference.includes(":")) assertDigest(reference);
  else if (!isValidTag(reference)) {
    throw new RegistryError(400, "TAG_INVALID", `Invalid tag ${JSON.stringify(reference)}.`);
  }
}

/** Digest of bytes with the same algorithm as `like` (sha256 unless it says sha512). */
export function digestOf(bytes: Uint8Array, like = "sha256:"): string {
  const algorithm = digestAlgorithmOf(like);
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

interface RequestOptions {
  method?: "GET" | "HEAD" | "PUT" | "DELETE" | "POST";
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Statuses handed back to the caller instead of being turned into a RegistryError. */
  allow?: number[];
  /** For streaming bodies: time out only until the headers arrive. */
  streaming?: boolean;
  /** The caller's abort (a stopped copy): cancels the request and, for a stream, its body. */
  signal?: AbortSignal;
  /** Used in error messages, e.g. "manifest demo/app:1.0". */
  what: string;
}

export class RegistryClient {
  readonly baseUrl: string;
  /** The Authorization header for the registry, or null (the gateway's transport sends it too). */
  readonly authorization: string | null;
  readonly auth: RegistryAuth;
  readonly label: string;
  /** Which TLS settings the client uses ("" for the default verification). */
  readonly tlsKey: string;
  private readonly timeoutMs: number;
  private readonly tokens: TokenCache;
  /** The global fetch, or one that applies the endpoint's TLS settings (tls-fetch.ts). */
  private readonly fetch: typeof fetch;
  private readonly beforeWrite: ((what: string) => Promise<void>) | undefined;
  private readonly tls: RegistryTls | undefined;

  constructor(options: RegistryClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.auth = options.auth ?? (options.credentials ? { kind: "basic", credentials: options.credentials } : { kind: "none" });
    this.authorization =
      this.auth.kind === "basic" ? basicAuthorization(this.auth.credentials) : this.auth.kind === "authorization" ? this.auth.header : null;
    this.label = options.label ?? BACKING_LABEL;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.tokens = new TokenCache(options.now ?? Date.now);
    this.fetch = fetchForTls(options.tls);
    this.tls = options.tls;
    this.beforeWrite = options.beforeWrite;
    this.tlsKey = hasTlsSettings(options.tls)
      ? createHash("sha256").update(JSON.stringify([Boolean(options.tls.insecure), options.tls.ca ?? ""])).digest("hex")
      : "";
  }

  async ping(): Promise<{ ok: true; latencyMs: number }> {
    const started = performance.now();
    const res = await this.request("/v2/", { what: "ping" });
    await drain(res);
    // Anything else answering 200 on /v2/ (a proxy, Wharf itself) is not a registry.
    if (!res.headers.get("docker-distribution-api-version")?.startsWith("registry/2")) {
      throw this.unavailableBecause("it answered /v2/ but is not a registry (no Docker-Distribution-Api-Version header).");
    }
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  }

  async listCatalogPage({ n, last }: { n?: number; last?: string | null } = {}): Promise<CatalogPage> {
    const size = clampPageSize(n ?? CATALOG_MAX_PAGE);
    const query = new URLSearchParams({ n: String(size) });
    if (last) query.set("last", last);
    const res = await this.request(`/v2/_catalog?${query}`, { what: "catalog" });
    const body = (await this.readJson(res, "catalog")) as { repositories?: string[] | null };
    return { repositories: body.repositories ?? [], nextLast: nextLastFromLink(res.headers.get("link")) };
  }

  async *listAllRepositories(pageSize = 500): AsyncGenerator<string, void, undefined> {
    let last: string | null = null;
    for (;;) {
      const page: CatalogPage = await this.listCatalogPage({ n: pageSize, last });
      yield* page.repositories;
      // Stop on a Link that does not advance, so a misbehaving upstream cannot loop us forever.
      if (!page.nextLast || page.nextLast === last) return;
      last = page.nextLast;
    }
  }

  /** All tags, sorted by code unit: 2.8 has no tag pagination and returns filesystem order. */
  async listTags(repository: string): Promise<string[]> {
    assertRepositoryName(repository);
    const what = `tags of ${repository}`;
    const res = await this.request(`/v2/${repository}/tags/list`, { what });
    const body = (await this.readJson(res, what)) as { tags?: string[] | null };
    // A repository whose manifests were all deleted answers `"tags": null`.
    return [...(body.tags ?? [])].sort(compareCodeUnits);
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    assertRepositoryName(repository);
    assertReference(reference);
    const what = `manifest ${formatReference(repository, reference)}`;
    const res = await this.request(manifestPath(repository, reference), {
      headers: { Accept: MANIFEST_ACCEPT_HEADER },
      what,
    });
    const bytes = await this.readLimited(res, MANIFEST_MAX_BYTES, what);
    const digest = verifiedManifestDigest(bytes, reference, res.headers.get("docker-content-digest"), what);
    const json = parseJson(bytes, what);
    return { mediaType: manifestMediaType(res, json), digest, size: bytes.byteLength, bytes, json };
  }

  async headManifest(repository: string, reference: string): Promise<ManifestDescriptor | null> {
    assertRepositoryName(repository);
    assertReference(reference);
    const what = `manifest ${formatReference(repository, reference)}`;
    const res = await this.request(manifestPath(repository, reference), {
      method: "HEAD",
      headers: { Accept: MANIFEST_ACCEPT_HEADER },
      allow: [404],
      what,
    });
    if (res.status === 404) return null;
    const digest = res.headers.get("docker-content-digest");
    if (!digest || !isDigest(digest) || (isDigest(reference) && digest !== reference)) {
      // HEAD cannot be verified against bytes; fall back to a GET, which is.
      const { mediaType, digest: verified, size } = await this.getManifest(repository, reference);
      return { mediaType, digest: verified, size };
    }
    return { mediaType: manifestMediaType(res, null), digest, size: contentLength(res) ?? 0 };
  }

  async putManifest(repository: string, reference: string, mediaType: string, bytes: Uint8Array): Promise<{ digest: string }> {
    assertRepositoryName(repository);
    assertReference(reference);
    const local = digestOf(bytes, reference);
    if (isDigest(reference) && local !== reference) {
      throw new RegistryError(400, "DIGEST_INVALID", `Manifest bytes hash to ${local}, not to ${reference}.`);
    }
    const what = `manifest ${formatReference(repository, reference)}`;
    const res = await this.request(manifestPath(repository, reference), {
      method: "PUT",
      headers: { "Content-Type": mediaType },
      body: bytes,
      what,
    });
    await drain(res);
    const remote = res.headers.get("docker-content-digest");
    if (remote && remote !== digestOf(bytes, remote)) {
      throw new RegistryError(502, "DIGEST_MISMATCH", `${what}: the registry stored ${remote}, but the bytes sent hash to ${local}.`);
    }
    return { digest: remote ?? local };
  }

  /**
   * Distribution 2.8 deletes by digest only, and doing so removes every tag in the repository
   * that points at it. A tag is refused here rather than sent, because the registry would answer
   * a confusing "provided digest did not match uploaded content".
   */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    assertRepositoryName(repository);
    if (!digest.includes(":") && isValidTag(digest)) {
      throw new RegistryError(
        400,
        "DIGEST_INVALID",
        `Cannot delete ${repository}:${digest}: the registry deletes manifests by digest only (which removes every tag on that digest). Resolve the tag to a digest first.`,
      );
    }
    assertDigest(digest);
    const res = await this.request(manifestPath(repository, digest), { method: "DELETE", what: `manifest ${repository}@${digest}` });
    await drain(res);
  }

  /**
   * Streams the blob; the caller must consume or cancel the stream. `signal` aborts the request
   * and errors the stream mid-body (a stopped copy does not wait for a stalled source).
   */
  async getBlob(repository: string, digest: string, { signal }: { signal?: AbortSignal } = {}): Promise<{ size: number; stream: ReadableStream<Uint8Array> }> {
    assertRepositoryName(repository);
    assertDigest(digest);
    const what = `blob ${repository}@${digest}`;
    const res = await this.request(`/v2/${repository}/blobs/${digest}`, { streaming: true, what, signal });
    if (!res.body) throw new RegistryError(502, "BLOB_UNKNOWN", `${what}: the registry sent no body.`);
    return { size: contentLength(res) ?? -1, stream: res.body };
  }

  /**
   * The blob as a node stream over node:http(s), for a proxy cache fanning one upstream read out
   * to a client and to the backing registry: fetch's web streams cost several promises per chunk,
   * which showed as a third of a cold pull's time. Authorized as every other request (Basic, or a
   * token: a 401 is answered by a HEAD that fetches and caches the pull token); redirects (blob
   * storage, CDNs) are followed, without the Authorization header once they leave the registry's
   * origin. The caller must consume or destroy the stream.
   */
  async getBlobNode(repository: string, digest: string): Promise<{ size: number; stream: IncomingMessage }> {
    assertRepositoryName(repository);
    assertDigest(digest);
    const path = `/v2/${repository}/blobs/${digest}`;
    const what = `blob ${repository}@${digest}`;
    let authorization = this.authorizationFor("GET", path);
    let challenged = false;
    let url = new URL(`${this.baseUrl}${path}`);
    const origin = url.origin;
    for (let hop = 0; hop <= MAX_BLOB_REDIRECTS; hop++) {
      const headers: OutgoingHttpHeaders = { accept: "*/*" };
      if (authorization && url.origin === origin) headers.authorization = authorization;
      let res: IncomingMessage;
      try {
        res = await nodeGet(url, headers, this.tls, this.timeoutMs);
      } catch (error) {
        throw this.unavailable(error);
      }
      const status = res.statusCode ?? 502;
      const location = res.headers.location;
      if (status === 401 && !challenged && url.origin === origin && this.auth.kind !== "basic" && this.auth.kind !== "authorization") {
        // A token registry (or an anonymous one that hands out tokens): a HEAD through request()
        // answers the challenge and keeps the token for this scope; the GET is sent once more.
        res.resume();
        challenged = true;
        if (!(await this.headBlob(repository, digest))) throw new RegistryError(404, "BLOB_UNKNOWN", `${what}: the registry does not have it.`);
        authorization = this.authorizationFor("GET", path);
        hop -= 1;
        continue;
      }
      if (status >= 300 && status < 400 && location) {
        res.resume();
        url = new URL(location, url);
        continue;
      }
      if (status === 200) return { size: Number(res.headers["content-length"] ?? -1), stream: res };
      const text = await new Promise<string>((resolve) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body = (body + chunk).slice(0, 4000)));
        res.on("end", () => resolve(body));
        res.on("error", () => resolve(body));
      });
      if (status >= 500) throw this.unavailableBecause(`it answered HTTP ${status}${summarise(text)} for ${what}.`, status);
      if (status === 401) throw this.credentialsRefused(what);
      throw registryErrorFromBody(status, text, what);
    }
    throw this.unavailableBecause(`more than ${MAX_BLOB_REDIRECTS} redirects for ${what}.`);
  }

  async headBlob(repository: string, digest: string): Promise<{ size: number } | null> {
    assertRepositoryName(repository);
    assertDigest(digest);
    const res = await this.request(`/v2/${repository}/blobs/${digest}`, {
      method: "HEAD",
      allow: [404],
      what: `blob ${repository}@${digest}`,
    });
    if (res.status === 404) return null;
    return { size: contentLength(res) ?? 0 };
  }

  /**
   * Cross-repository blob mount (`POST /v2/<repository>/blobs/uploads/?mount=<digest>&from=<from>`):
   * the registry links a blob it already stores into another repository without a byte moving.
   * It answers 201 when mounted; 202 (an ordinary upload session) when it would not or could not
   * mount (the blob is not in `from`, or mounting is unsupported): the caller then uploads the
   * bytes to `uploadUrl` (see uploadBlob).
   */
  async mountBlob(repository: string, digest: string, from: string): Promise<{ mounted: true } | { mounted: false; uploadUrl: string }> {
    assertRepositoryName(repository);
    assertRepositoryName(from);
    assertDigest(digest);
    const query = new URLSearchParams({ mount: digest, from });
    const res = await this.request(`/v2/${repository}/blobs/uploads/?${query}`, { method: "POST", what: `blob mount ${from}@${digest} into ${repository}` });
    await drain(res);
    if (res.status === 201) return { mounted: true };
    return { mounted: false, uploadUrl: this.uploadUrlOf(res, repository) };
  }

  /**
   * Completes an upload session with one streamed PUT (`?digest=`): the body is passed through
   * chunk by chunk with backpressure (the source is read only as fast as the registry takes the
   * bytes), never held in memory whole, and the registry verifies the digest itself. With `size`
   * the PUT carries Content-Length (a monolithic upload, which every registry takes; Distribution
   * and Wharf's gateway take a chunked one too); a body of another length fails the upload.
   * `signal` aborts it mid-body.
   */
  async uploadBlob(uploadUrl: string, digest: string, body: ReadableStream<Uint8Array>, { size, signal }: { size?: number; signal?: AbortSignal } = {}): Promise<void> {
    assertDigest(digest);
    if (signal?.aborted) {
      await body.cancel().catch(() => undefined);
      signal.throwIfAborted();
    }
    const url = new URL(uploadUrl);
    // Only an upload URL on the registry itself: a redirect elsewhere must not receive our bytes.
    if (url.origin !== new URL(this.baseUrl).origin || !url.pathname.startsWith("/v2/")) {
      await body.cancel().catch(() => undefined);
      throw new RegistryError(502, "BLOB_UPLOAD_INVALID", `The registry gave an upload location outside itself: ${url.origin}${url.pathname}.`);
    }
    url.searchParams.set("digest", digest);
    const what = `blob upload ${digest}`;
    // A big blob may take long: the limit is on silence (no chunk, or no answer after the last
    // one, for timeoutMs), not on the whole transfer.
    const idle = idleTimeout(this.timeoutMs);
    const watched = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          idle.touch();
          controller.enqueue(chunk);
        },
      }),
    );
    // A streamed body cannot be sent twice, so there is no answering a challenge here: the token
    // for this repository's push was fetched when the upload session was started.
    const authorization = this.authorizationFor("PUT", `${url.pathname}${url.search}`);
    const headers: Record<string, string> = { "Content-Type": "application/octet-stream" };
    if (size !== undefined && Number.isSafeInteger(size) && size >= 0) headers["Content-Length"] = String(size);
    if (authorization) headers.Authorization = authorization;
    let res: Response;
    try {
      res = await this.fetch(url, {
        method: "PUT",
        headers,
        body: watched,
        // Required by fetch for a streamed request body.
        duplex: "half",
        // Not "follow" (the default), and not "manual" either: for those, fetch keeps a tee of the
        // body for a redirect it could never replay, and that branch, never read, buffers every
        // chunk sent: the whole layer in memory (nodejs/undici#4058). A registry does not
        // redirect an upload's PUT; if one did, the upload fails here and is retried fresh.
        redirect: "error",
        signal: signal ? AbortSignal.any([idle.signal, signal]) : idle.signal,
      } as RequestInit & { duplex: "half" });
    } catch (error) {
      signal?.throwIfAborted();
      throw this.unavailable(error);
    } finally {
      idle.clear();
    }
    if (res.status === 201) {
      await drain(res);
      return;
    }
    const text = await this.readText(res);
    if (res.status >= 500) throw this.unavailableBecause(`it answered HTTP ${res.status}${summarise(text)} for ${what}.`, res.status);
    if (res.status === 401) throw this.credentialsRefused(what);
    throw registryErrorFromBody(res.status, text, what);
  }

  /**
   * Starts an upload session (`POST /v2/<repository>/blobs/uploads/`) and answers its URL, for
   * uploadBlob. Through a token-auth registry this is also where the push token is fetched.
   */
  async startBlobUpload(repository: string): Promise<{ uploadUrl: string }> {
    assertRepositoryName(repository);
    const res = await this.request(`/v2/${repository}/blobs/uploads/`, { method: "POST", what: `blob upload into ${repository}` });
    await drain(res);
    return { uploadUrl: this.uploadUrlOf(res, repository) };
  }

  /** The Location of a 202 upload answer, made absolute (Distribution may send it relative). */
  private uploadUrlOf(res: Response, repository: string): string {
    const location = res.headers.get("location");
    if (!location) throw new RegistryError(502, "BLOB_UPLOAD_INVALID", `The registry started an upload into ${repository} without a Location.`);
    return new URL(location, `${this.baseUrl}/`).toString();
  }

  // ---- transport ----

  private async request(path: string, options: RequestOptions): Promise<Response> {
    if (this.beforeWrite && options.method && options.method !== "GET" && options.method !== "HEAD") await this.beforeWrite(options.what);
    let res = await this.send(path, options, this.authorizationFor(options.method ?? "GET", path));
    if (res.status === 401 && !(options.allow ?? []).includes(401)) {
      // A token-auth registry names the token it wants in its challenge: fetch it, ask once more.
      const authorization = await this.answerChallenge(res, options.method ?? "GET", path, options.what);
      if (authorization) res = await this.send(path, options, authorization);
    }
    const { allow = [], what } = options;
    if (res.ok || allow.includes(res.status)) return res;
    const text = await this.readText(res);
    if (res.status >= 500) {
      throw this.unavailableBecause(`it answered HTTP ${res.status}${summarise(text)} for ${what}.`, res.status);
    }
    if (res.status === 401) throw this.credentialsRefused(what);
    throw registryErrorFromBody(res.status, text, what);
  }

  private async send(path: string, options: RequestOptions, authorization: string | null): Promise<Response> {
    const { method = "GET", headers, body, streaming = false, signal } = options;
    const timeout = streaming ? headerTimeout(this.timeoutMs) : { signal: AbortSignal.timeout(this.timeoutMs), clear() {} };
    let res: Response;
    try {
      res = await this.fetch(`${this.baseUrl}${path}`, {
        method,
        // fetch drops Authorization on a redirect to another origin (blob GETs sent to S3).
        headers: authorization ? { ...headers, Authorization: authorization } : headers,
        // Copied because BodyInit does not accept a view that may sit on a SharedArrayBuffer.
        body: body ? new Uint8Array(body) : undefined,
        // The caller's signal stays on the body after the headers (the timeout does not).
        signal: signal ? AbortSignal.any([timeout.signal, signal]) : timeout.signal,
        // Blob GETs may redirect to storage (S3 etc.); fetch follows them.
        redirect: "follow",
      });
    } catch (error) {
      signal?.throwIfAborted();
      throw this.unavailable(error);
    } finally {
      timeout.clear();
    }
    return res;
  }

  /** Basic for a Basic endpoint; otherwise a token already held for the scopes this request needs. */
  private authorizationFor(method: string, path: string): string | null {
    if (this.auth.kind === "basic" || this.auth.kind === "authorization") return this.authorization;
    const token = this.tokens.get(expectedScopes(method, path));
    return token ? `Bearer ${token}` : null;
  }

  /**
   * Follows a Bearer challenge (token endpoints, and registries without auth that still hand out
   * anonymous tokens, as public registries do): null when there is none to follow (Basic
   * endpoints are answered with their credentials up front).
   */
  private async answerChallenge(res: Response, method: string, path: string, what: string): Promise<string | null> {
    if (this.auth.kind === "basic" || this.auth.kind === "authorization") return null;
    const challenge = parseBearerChallenge(res.headers.get("www-authenticate"));
    if (!challenge) return null;
    await drain(res);
    const credentials = this.auth.kind === "token" ? this.auth.credentials : undefined;
    try {
      const { token, expiresIn } = await fetchToken(challenge, credentials, { timeoutMs: this.timeoutMs, registryUrl: this.baseUrl, fetch: this.fetch });
      this.tokens.set(challenge.scopes, token, expiresIn);
      this.tokens.set(expectedScopes(method, path), token, expiresIn);
      return `Bearer ${token}`;
    } catch (error) {
      if (error instanceof TokenRefusedError) {
        throw new RegistryCredentialsError(
          this.baseUrl,
          `${error.message}: it refused ${credentials ? `the credentials of ${JSON.stringify(credentials.username)}` : "an anonymous token"} for ${what}.`,
          { registry: this.label },
        );
      }
      throw this.unavailableBecause(error instanceof Error ? error.message : String(error), undefined, error);
    }
  }

  /**
   * A 401 from the backing registry is never about the console user or the registry client: it
   * refused Wharf itself, which can do nothing until its configuration is fixed. From a remote
   * registry it means the endpoint's credentials are wrong, or lack the access asked for.
   */
  private credentialsRefused(what: string): RegistryCredentialsError {
    if (this.label === BACKING_LABEL) {
      const reason = this.authorization
        ? `it refused Wharf's credentials for ${what} (check WHARF_REGISTRY_USERNAME and WHARF_REGISTRY_PASSWORD).`
        : `it asks for credentials for ${what}, and none are configured (set WHARF_REGISTRY_USERNAME and WHARF_REGISTRY_PASSWORD).`;
      return new RegistryCredentialsError(this.baseUrl, reason);
    }
    if (this.auth.kind === "authorization") {
      return new RegistryCredentialsError(this.baseUrl, `it refused the Authorization it was given for ${what} (expired, or not for this repository).`, { registry: this.label });
    }
    const credentials = this.auth.kind === "none" ? undefined : this.auth.credentials;
    const reason = credentials
      ? `it refused the credentials of ${JSON.stringify(credentials.username)} for ${what} (wrong username or password, or no access to it).`
      : `it asks for credentials for ${what}, and none are configured for it.`;
    return new RegistryCredentialsError(this.baseUrl, reason, { registry: this.label });
  }

  private unavailableBecause(reason: string, status?: number, cause?: unknown): RegistryUnavailableError {
    return new RegistryUnavailableError(this.baseUrl, reason, status, { cause, registry: this.label });
  }

  private unavailable(error: unknown): RegistryUnavailableError {
    return this.unavailableBecause(describeFetchFailure(error, this.timeoutMs), undefined, error);
  }

  /** Reading a body can fail (reset, timeout) just like the request itself. */
  private async readText(res: Response): Promise<string> {
    try {
      return await res.text();
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  private async readJson(res: Response, what: string): Promise<unknown> {
    const text = await this.readText(res);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw this.unavailableBecause(`it answered ${what} with a body that is not JSON${summarise(text)}.`);
    }
  }

  private async readLimited(res: Response, limit: number, what: string): Promise<Uint8Array> {
    const declared = contentLength(res);
    if (declared !== null && declared > limit) {
      await res.body?.cancel();
      throw new RegistryError(502, "MANIFEST_INVALID", `${what}: ${declared} bytes is too large for a manifest.`);
    }
    // Bounded while reading: a body without a declared length is never held past the limit.
    let bytes: Uint8Array | null;
    try {
      bytes = await readBounded(res.body, limit);
    } catch (error) {
      throw this.unavailable(error);
    }
    if (bytes === null) {
      throw new RegistryError(502, "MANIFEST_INVALID", `${what}: more than ${limit} bytes is too large for a manifest.`);
    }
    return bytes;
  }
}

// ---- node:http blob reads (getBlobNode) ----

const MAX_BLOB_REDIRECTS = 5;
/** Without a byte for this long mid-body, the registry is considered gone. */
const BLOB_IDLE_TIMEOUT_MS = 60_000;
const nodeAgents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };

/** One GET; resolves once the headers arrived (within `timeoutMs`), the body left to the caller. */
function nodeGet(url: URL, headers: OutgoingHttpHeaders, tls: RegistryTls | undefined, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === "https:";
    const custom = https && hasTlsSettings(tls);
    const options = {
      method: "GET",
      headers,
      // A custom CA or no verification gets a connection of its own (not the shared pool's).
      agent: https ? (custom ? false : nodeAgents.https) : nodeAgents.http,
      ...(custom ? (tls.insecure ? { rejectUnauthorized: false } : { ca: tls.ca }) : {}),
    };
    const req = (https ? httpsRequest : httpRequest)(url, options, (res) => {
      clearTimeout(timer);
      // An idle limit while this body is read; the socket goes back to the pool without it.
      const socket = res.socket;
      const idle = () => res.destroy(new Error(`no byte for ${BLOB_IDLE_TIMEOUT_MS / 1000} s`));
      socket.setTimeout(BLOB_IDLE_TIMEOUT_MS);
      socket.on("timeout", idle);
      res.once("close", () => {
        socket.setTimeout(0);
        socket.off("timeout", idle);
      });
      // A connection cut mid-body is a failure of the body, not a short blob.
      res.once("aborted", () => res.destroy(new Error("the registry closed the connection mid-body")));
      resolve(res);
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: "TimeoutError" })), timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

// ---- helpers (pure) ----

function manifestPath(repository: string, reference: string): string {
  return `/v2/${repository}/manifests/${reference}`;
}

function clampPageSize(n: number): number {
  if (!Number.isFinite(n)) return CATALOG_MAX_PAGE;
  // n=0 answers [] with no Link, which would end a walk early; negative n is ignored upstream.
  return Math.min(CATALOG_MAX_PAGE, Math.max(1, Math.trunc(n)));
}

/** `Link: </v2/_catalog?last=alpha%2Fx&n=1>; rel="next"` (relative, `last` URL-encoded). */
export function nextLastFromLink(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(",")) {
    const match = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (!match || !/\brel="?next"?/.test(match[2] ?? "")) continue;
    return new URL(match[1] ?? "", "http://registry.invalid").searchParams.get("last");
  }
  return null;
}

/**
 * Verifies the bytes rather than trusting a header: by digest the bytes must hash to the
 * reference; by tag they must hash to the digest the registry says it stored.
 */
function verifiedManifestDigest(bytes: Uint8Array, reference: string, header: string | null, what: string): string {
  const expected = isDigest(reference) ? reference : header && isDigest(header) ? header : null;
  const actual = digestOf(bytes, expected ?? "sha256:");
  if (expected && actual !== expected) {
    throw new RegistryError(502, "DIGEST_MISMATCH", `${what}: the registry returned bytes that hash to ${actual}, not ${expected}.`);
  }
  return actual;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch {
    throw new RegistryError(502, "MANIFEST_INVALID", `${what}: the registry returned a manifest that is not JSON.`);
  }
}

/** Content-Type is the stored media type; the manifest's own field covers a generic header. */
function manifestMediaType(res: Response, json: unknown): string {
  const header = res.headers.get("content-type")?.split(";")[0]?.trim();
  if (header && header !== "application/json" && header !== "text/plain") return header;
  const field = json && typeof json === "object" ? (json as { mediaType?: unknown }).mediaType : undefined;
  return typeof field === "string" ? field : (header ?? "application/octet-stream");
}

function contentLength(res: Response): number | null {
  const raw = res.headers.get("content-length");
  const n = raw === null ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function summarise(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim().slice(0, 200);
  return oneLine ? ` (${oneLine})` : "";
}

/** Releases the connection of a response whose body we do not need. */
async function drain(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => undefined);
}

/** A timeout re-armed by every `touch()`: it fires only after `ms` without progress. */
function idleTimeout(ms: number): { signal: AbortSignal; touch(): void; clear(): void } {
  const controller = new AbortController();
  const fire = () => controller.abort(new DOMException(`no progress within ${ms} ms`, "TimeoutError"));
  let timer = setTimeout(fire, ms);
  return {
    signal: controller.signal,
    touch() {
      clearTimeout(timer);
      timer = setTimeout(fire, ms);
    },
    clear: () => clearTimeout(timer),
  };
}

/** A timeout that can be disarmed once headers arrive, so a long blob download is not cut off. */
function headerTimeout(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: "connection refused (is it running?)",
  ECONNRESET: "the connection was reset",
  ENOTFOUND: "the host name could not be resolved",
  EAI_AGAIN: "the host name could not be resolved (temporary DNS failure)",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_SOCKET: "the connection was closed unexpectedly",
  UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
};

/** undici reports `TypeError: fetch failed` with the real reason (an errno code) in `cause`. */
export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms.`;
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const code = errorCode(cause) ?? errorCode(error);
  if (code) return `${ERRNO_TEXT[code] ?? code} [${code}].`;
  const message = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return `${message}.`;
}

function errorCode(value: unknown): string | undefined {
  const code = value && typeof value === "object" ? (value as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : undefined;
}
