/**
 * Wharf as a client of any Pluggable Scanner API adapter (harbor-scanner-trivy, Wharf's built-in
 * one): GET /metadata, POST /scan, GET /scan/{id}/report polled while it answers 302 with
 * Refresh-After. Plain node:http(s) requests, so a registration's "skip certificate verification"
 * is honoured per request and every answer is size-bounded. Every failure is an AdapterError whose
 * message says what the adapter did (or did not) answer; nothing an adapter sends is trusted
 * before it parses (spec-schemas.ts).
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

import {
  ERROR_MIME,
  METADATA_MIME,
  SBOM_REPORT_MIME,
  SCAN_REQUEST_MIME_V1_1,
  SCAN_RESPONSE_MIME,
  sameMime,
} from "./mime";
import {
  describeIssues,
  type ScanRequest,
  type ScannerAdapterMetadata,
  ZHarborSbomReport,
  ZHarborVulnerabilityReport,
  ZScanResponse,
  ZScannerAdapterMetadata,
} from "./spec-schemas";

/** Harbor's spelling of a registration's auth; "" is none. */
export const ADAPTER_AUTH_TYPES = ["", "Basic", "Bearer", "X-ScannerAdapter-API-Key"] as const;
export type AdapterAuthType = (typeof ADAPTER_AUTH_TYPES)[number];

export interface AdapterConnection {
  /** The adapter's base URL; requests go to `<url>/api/v1/…`. */
  url: string;
  auth: AdapterAuthType;
  /** Basic: `username:password`; Bearer: the token; API key: the key. Only in memory. */
  credential: string | null;
  skipCertVerify: boolean;
  /** Per request (connect to last byte); Harbor's client uses 5 s. */
  timeoutMs?: number;
}

export type AdapterFailure = "unreachable" | "timeout" | "tls" | "refused" | "bad_answer" | "scan_failed" | "not_found";

export class AdapterError extends Error {
  override name = "AdapterError";
  constructor(
    readonly kind: AdapterFailure,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** Reports of thousands of findings and SBOMs of thousands of packages are a few MiB. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface RawAnswer {
  status: number;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export function authorizationHeaders(connection: Pick<AdapterConnection, "auth" | "credential">): Record<string, string> {
  const credential = connection.credential ?? "";
  switch (connection.auth) {
    case "Basic":
      return { authorization: `Basic ${Buffer.from(credential, "utf8").toString("base64")}` };
    case "Bearer":
      return { authorization: `Bearer ${credential}` };
    case "X-ScannerAdapter-API-Key":
      return { "x-scanneradapter-api-key": credential };
    default:
      return {};
  }
}

function endpoint(connection: AdapterConnection, path: string): URL {
  return new URL(`${connection.url.replace(/\/+$/, "")}/api/v1${path}`);
}

function send(connection: AdapterConnection, method: string, url: URL, headers: Record<string, string>, body?: string, signal?: AbortSignal): Promise<RawAnswer> {
  const timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `${method} ${url.pathname}`;
  return new Promise<RawAnswer>((resolve, reject) => {
    const options = {
      method,
      headers: { ...headers, ...authorizationHeaders(connection), ...(body !== undefined ? { "content-length": String(Buffer.byteLength(body)) } : {}) },
      signal,
      ...(url.protocol === "https:" ? { rejectUnauthorized: !connection.skipCertVerify } : {}),
    };
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new AdapterError("bad_answer", `The scanner answered ${where} with more than ${MAX_BODY_BYTES / 1024 / 1024} MiB.`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    // Connect and the whole answer within timeoutMs: an adapter that accepts and never answers is cut.
    const timer = setTimeout(() => req.destroy(new AdapterError("timeout", `The scanner at ${url.origin} did not answer ${where} within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
    req.on("close", () => clearTimeout(timer));
    req.on("error", (error) => reject(describeTransportError(error, url, where)));
    req.end(body);
  });
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/;

function describeTransportError(error: unknown, url: URL, where: string): AdapterError {
  if (error instanceof AdapterError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === "AbortError") return new AdapterError("timeout", `${where} to the scanner at ${url.origin} was stopped.`);
  if (typeof code === "string" && TLS_CODES.test(code)) {
    return new AdapterError("tls", `TLS error talking to the scanner at ${url.origin}: ${message}. Check its certificate, or enable "skip certificate verification" for it.`);
  }
  if (code === "ECONNREFUSED") return new AdapterError("unreachable", `Cannot reach the scanner at ${url.origin}: nothing listens there (connection refused).`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new AdapterError("unreachable", `Cannot reach the scanner at ${url.origin}: the host name does not resolve.`);
  if (code === "ECONNRESET" || code === "EPIPE") return new AdapterError("unreachable", `The scanner at ${url.origin} closed the connection during ${where}.`);
  return new AdapterError("unreachable", `Cannot reach the scanner at ${url.origin} (${where}): ${message}`);
}

function contentTypeOf(answer: RawAnswer): string {
  const value = answer.headers["content-type"];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

function jsonOf(answer: RawAnswer, where: string): unknown {
  try {
    return JSON.parse(answer.body.toString("utf8")) as unknown;
  } catch {
    const preview = answer.body.toString("utf8", 0, 120).replace(/\s+/g, " ").trim();
    throw new AdapterError("bad_answer", `The scanner's answer to ${where} is not JSON (HTTP ${answer.status}${preview ? `: ${JSON.stringify(preview)}` : ", empty body"}).`);
  }
}

/** The adapter's own error message from an ErrorResponse body, if it sent one. */
function errorMessageOf(answer: RawAnswer): string | null {
  try {
    const parsed = JSON.parse(answer.body.toString("utf8")) as { error?: { message?: unknown } };
    const message = parsed?.error?.message;
    return typeof message === "string" ? message.slice(0, 1000) : null;
  } catch {
    return null;
  }
}

function unexpected(answer: RawAnswer, where: string, expected: string): AdapterError {
  const own = errorMessageOf(answer);
  if (answer.status === 401 || answer.status === 403) {
    return new AdapterError("refused", `The scanner refused ${where} (HTTP ${answer.status})${own ? `: ${own}` : ""}: check the registration's authorization and credential.`);
  }
  const preview = own ?? (answer.body.length ? JSON.stringify(answer.body.toString("utf8", 0, 120).replace(/\s+/g, " ").trim()) : null);
  return new AdapterError("bad_answer", `The scanner answered ${where} with HTTP ${answer.status} instead of ${expected}${preview ? `: ${preview}` : ""}.`);
}

/** GET /api/v1/metadata: the scanner's name, vendor, version and capabilities. */
export async function getAdapterMetadata(connection: AdapterConnection): Promise<ScannerAdapterMetadata> {
  const where = "GET /api/v1/metadata";
  const answer = await send(connection, "GET", endpoint(connection, "/metadata"), { accept: `${METADATA_MIME}, application/vnd.scanner.adapter.metadata+json; version=1.1` });
  if (answer.status !== 200) throw unexpected(answer, where, "200");
  const parsed = ZScannerAdapterMetadata.safeParse(jsonOf(answer, where));
  if (!parsed.success) throw new AdapterError("bad_answer", `The scanner's metadata is not ScannerAdapterMetadata: ${describeIssues(parsed.error)}.`);
  return parsed.data;
}

/** POST /api/v1/scan: the scan_request_id to poll. */
export async function requestAdapterScan(connection: AdapterConnection, scanRequest: ScanRequest): Promise<string> {
  const where = "POST /api/v1/scan";
  const answer = await send(
    connection,
    "POST",
    endpoint(connection, "/scan"),
    { "content-type": SCAN_REQUEST_MIME_V1_1, accept: SCAN_RESPONSE_MIME },
    JSON.stringify(scanRequest),
  );
  if (answer.status !== 202) throw unexpected(answer, where, "202 Accepted");
  const parsed = ZScanResponse.safeParse(jsonOf(answer, where));
  if (!parsed.success) throw new AdapterError("bad_answer", `The scanner's answer to ${where} has no scan request id: ${describeIssues(parsed.error)}.`);
  return parsed.data.id;
}

export type ReportPoll = { kind: "ready"; report: unknown } | { kind: "pending"; refreshAfterSeconds: number | null };

/** One GET of /scan/{id}/report in `mimeType`: the report (validated for its type), or "not yet". */
export async function getAdapterReport(
  connection: AdapterConnection,
  requestId: string,
  mimeType: string,
  options: { sbomMediaType?: string; signal?: AbortSignal } = {},
): Promise<ReportPoll> {
  const url = endpoint(connection, `/scan/${encodeURIComponent(requestId)}/report`);
  if (options.sbomMediaType) url.searchParams.set("sbom_media_type", options.sbomMediaType);
  const where = `GET /api/v1/scan/${requestId}/report`;
  const answer = await send(connection, "GET", url, { accept: mimeType }, undefined, options.signal);
  if (answer.status === 302) {
    const header = answer.headers["refresh-after"];
    const value = Number(Array.isArray(header) ? header[0] : header);
    return { kind: "pending", refreshAfterSeconds: Number.isFinite(value) && value >= 0 ? value : null };
  }
  if (answer.status === 404) throw new AdapterError("not_found", `The scanner does not know scan request ${requestId} (HTTP 404).`);
  if (answer.status === 500 && sameMime(contentTypeOf(answer), ERROR_MIME)) {
    throw new AdapterError("scan_failed", `The scanner reports that the scan failed: ${errorMessageOf(answer) ?? "no message"}`);
  }
  if (answer.status !== 200) throw unexpected(answer, where, "200 or 302");
  const body = jsonOf(answer, where);
  const schema = sameMime(mimeType, SBOM_REPORT_MIME) ? ZHarborSbomReport : ZHarborVulnerabilityReport;
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AdapterError("bad_answer", `The scanner's report is not a ${sameMime(mimeType, SBOM_REPORT_MIME) ? "HarborSbomReport" : "HarborVulnerabilityReport"}: ${describeIssues(parsed.error)}.`);
  return { kind: "ready", report: parsed.data };
}

export interface PollOptions {
  /** Give up after this long (from the first poll). */
  timeoutMs: number;
  /** When a 302 carries no usable Refresh-After (Harbor's default: 5 s). */
  defaultRefreshSeconds?: number;
  /** An adapter asking for longer waits is polled at least this often. */
  maxRefreshSeconds?: number;
  sbomMediaType?: string;
  signal?: AbortSignal;
  /** Told before each wait (the job's log). */
  onPending?: (waitSeconds: number) => void;
}

/** Polls the report until it is ready, the adapter fails it, or `timeoutMs` passes. */
export async function pollAdapterReport(connection: AdapterConnection, requestId: string, mimeType: string, options: PollOptions): Promise<unknown> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const poll = await getAdapterReport(connection, requestId, mimeType, { sbomMediaType: options.sbomMediaType, signal: options.signal });
    if (poll.kind === "ready") return poll.report;
    const wait = Math.min(poll.refreshAfterSeconds ?? options.defaultRefreshSeconds ?? 5, options.maxRefreshSeconds ?? 60);
    if (Date.now() + wait * 1000 > deadline) {
      throw new AdapterError("timeout", `The scanner had no ${mimeType} report for scan request ${requestId} within ${Math.round(options.timeoutMs / 1000)} s (it kept answering 302).`);
    }
    options.onPending?.(wait);
    await sleep(wait * 1000, options.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      },
      { once: true },
    );
  });
}
