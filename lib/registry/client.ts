import { createHash } from "node:crypto";
import { basicAuthorization, type RegistryCredentials } from "./credentials";
import { RegistryError, RegistryUnavailableError, registryErrorFromBody } from "./errors";
import { digestAlgorithmOf, isDigest } from "@/lib/oci/digest";
import { MANIFEST_ACCEPT_HEADER } from "@/lib/oci/media-types";
import { formatReference, isValidRepositoryName, isValidTag } from "@/lib/oci/reference";
import { readBounded } from "@/lib/streams/read-bounded";

/**
 * The only code that talks to the backing Distribution registry (2.8, on loopback or reachable
 * from Wharf alone). Wharf is the gatekeeper for clients; the registry itself accepts only
 * Wharf's own credentials, sent with every request. Every input is validated before a request
 * is made, so a bad name can never turn into an unexpected URL.
 */

export interface RegistryClientOptions {
  baseUrl: string;
  /** Sent as HTTP Basic with every request; unset for a registry that asks for none. */
  credentials?: RegistryCredentials;
  /** Per-request timeout for everything except the body of a blob stream. */
  timeoutMs?: number;
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
/** Manifests are a few KiB; refusing huge bodies keeps a confused upstream from filling memory. */
const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

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
  /** Used in error messages, e.g. "manifest demo/app:1.0". */
  what: string;
}

export class RegistryClient {
  readonly baseUrl: string;
  /** The Authorization header for the registry, or null (the gateway's transport sends it too). */
  readonly authorization: string | null;
  private readonly timeoutMs: number;

  constructor(options: RegistryClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.authorization = options.credentials ? basicAuthorization(options.credentials) : null;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async ping(): Promise<{ ok: true; latencyMs: number }> {
    const started = performance.now();
    const res = await this.request("/v2/", { what: "ping" });
    await drain(res);
    // Anything else answering 200 on /v2/ (a proxy, Wharf itself) is not a registry.
    if (!res.headers.get("docker-distribution-api-version")?.startsWith("registry/2")) {
      throw new RegistryUnavailableError(this.baseUrl, "it answered /v2/ but is not a registry (no Docker-Distribution-Api-Version header).");
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

  /** Streams the blob; the caller must consume or cancel the stream. */
  async getBlob(repository: string, digest: string): Promise<{ size: number; stream: ReadableStream<Uint8Array> }> {
    assertRepositoryName(repository);
    assertDigest(digest);
    const what = `blob ${repository}@${digest}`;
    const res = await this.request(`/v2/${repository}/blobs/${digest}`, { streaming: true, what });
    if (!res.body) throw new RegistryError(502, "BLOB_UNKNOWN", `${what}: the registry sent no body.`);
    return { size: contentLength(res) ?? -1, stream: res.body };
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
   * chunk by chunk, never held in memory whole, and the registry verifies the digest itself.
   */
  async uploadBlob(uploadUrl: string, digest: string, body: ReadableStream<Uint8Array>): Promise<void> {
    assertDigest(digest);
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
    let res: Response;
    try {
      res = await fetch(url, {
        method: "PUT",
        headers: this.withAuthorization({ "Content-Type": "application/octet-stream" }),
        body: watched,
        // Required by fetch for a streamed request body.
        duplex: "half",
        signal: idle.signal,
      } as RequestInit & { duplex: "half" });
    } catch (error) {
      throw this.unavailable(error);
    } finally {
      idle.clear();
    }
    if (res.status === 201) {
      await drain(res);
      return;
    }
    const text = await this.readText(res);
    if (res.status >= 500) throw new RegistryUnavailableError(this.baseUrl, `it answered HTTP ${res.status}${summarise(text)} for ${what}.`, res.status);
    if (res.status === 401) throw this.credentialsRefused(what);
    throw registryErrorFromBody(res.status, text, what);
  }

  /** The Location of a 202 upload answer, made absolute (Distribution may send it relative). */
  private uploadUrlOf(res: Response, repository: string): string {
    const location = res.headers.get("location");
    if (!location) throw new RegistryError(502, "BLOB_UPLOAD_INVALID", `The registry started an upload into ${repository} without a Location.`);
    return new URL(location, `${this.baseUrl}/`).toString();
  }

  // ---- transport ----

  private async request(path: string, options: RequestOptions): Promise<Response> {
    const { method = "GET", headers, body, allow = [], streaming = false, what } = options;
    const timeout = streaming ? headerTimeout(this.timeoutMs) : { signal: AbortSignal.timeout(this.timeoutMs), clear() {} };
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        // fetch drops Authorization on a redirect to another origin (blob GETs sent to S3).
        headers: this.withAuthorization(headers),
        // Copied because BodyInit does not accept a view that may sit on a SharedArrayBuffer.
        body: body ? new Uint8Array(body) : undefined,
        signal: timeout.signal,
        // Blob GETs may redirect to storage (S3 etc.); fetch follows them.
        redirect: "follow",
      });
    } catch (error) {
      throw this.unavailable(error);
    } finally {
      timeout.clear();
    }
    if (res.ok || allow.includes(res.status)) return res;
    const text = await this.readText(res);
    if (res.status >= 500) {
      throw new RegistryUnavailableError(this.baseUrl, `it answered HTTP ${res.status}${summarise(text)} for ${what}.`, res.status);
    }
    if (res.status === 401) throw this.credentialsRefused(what);
    throw registryErrorFromBody(res.status, text, what);
  }

  private withAuthorization(headers: Record<string, string> = {}): Record<string, string> {
    return this.authorization ? { ...headers, Authorization: this.authorization } : headers;
  }

  /**
   * A 401 from the backing registry is never about the console user or the registry client: it
   * refused Wharf itself, which can do nothing until its configuration is fixed.
   */
  private credentialsRefused(what: string): RegistryUnavailableError {
    const reason = this.authorization
      ? `it refused Wharf's credentials for ${what} (check WHARF_REGISTRY_USERNAME and WHARF_REGISTRY_PASSWORD).`
      : `it asks for credentials for ${what}, and none are configured (set WHARF_REGISTRY_USERNAME and WHARF_REGISTRY_PASSWORD).`;
    return new RegistryUnavailableError(this.baseUrl, reason, 401);
  }

  private unavailable(error: unknown): RegistryUnavailableError {
    return new RegistryUnavailableError(this.baseUrl, describeFetchFailure(error, this.timeoutMs), undefined, { cause: error });
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
      throw new RegistryUnavailableError(this.baseUrl, `it answered ${what} with a body that is not JSON${summarise(text)}.`);
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
