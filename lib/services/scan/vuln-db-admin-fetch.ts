import "server-only";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { receiveZip, type ReceivedZip } from "@/lib/services/scan/vuln-db-admin-files";

/**
 * Downloads an OSV zip from a URL into the imports directory, streamed (lib/services/scan/
 * vuln-db-admin-files.ts: size cap, hash). Failures come back as one sentence naming the URL's
 * host and the cause (refused, name not found, timed out, HTTP status, too large), for the
 * import's message.
 */

export type DownloadOutcome = { ok: true; received: ReceivedZip } | { ok: false; message: string };

export type DownloadLimits = {
  maxBytes: number;
  /** Until the answer's headers arrive. */
  connectTimeoutMs?: number;
  /** With no byte arriving for this long, the download is given up. */
  stallTimeoutMs?: number;
};

const CAUSES: Record<string, string> = {
  ECONNREFUSED: "the connection was refused",
  ENOTFOUND: "the host name was not found",
  EAI_AGAIN: "the host name could not be resolved",
  ECONNRESET: "the connection was reset",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  ETIMEDOUT: "the connection timed out",
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "its TLS certificate chain is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "its TLS certificate could not be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "its TLS certificate does not name this host",
};

function causeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CAUSES[code]) return CAUSES[code];
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof Error && error.name === "AbortError") return "it did not answer in time";
  return error instanceof Error ? error.message : String(error);
}

/** Gives the body up when no chunk arrives for `ms` (a server that stops sending mid-way). */
async function* stallGuard(body: AsyncIterable<Uint8Array> | Readable, ms: number, abort: AbortController): AsyncGenerator<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(new Error(`no data for ${Math.round(ms / 1000)} s`)), ms);
  };
  try {
    arm();
    for await (const chunk of body) {
      arm();
      yield chunk;
    }
  } finally {
    clearTimeout(timer);
  }
}

export async function downloadOsvZip(url: string, limits: DownloadLimits): Promise<DownloadOutcome> {
  const host = new URL(url).host;
  const abort = new AbortController();
  const connectTimer = setTimeout(() => abort.abort(new Error("no answer")), limits.connectTimeoutMs ?? 30_000);
  let response: Response;
  try {
    response = await fetch(url, { signal: abort.signal, redirect: "follow", headers: { Accept: "application/zip, application/octet-stream;q=0.9, */*;q=0.1" } });
  } catch (error) {
    return { ok: false, message: `Could not download from ${host}: ${abort.signal.aborted ? "it did not answer in time" : causeOf(error)}.` };
  } finally {
    clearTimeout(connectTimer);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: false, message: `Could not download from ${host}: it answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}.` };
  }
  const declared = Number(response.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await response.body.cancel().catch(() => undefined);
    return { ok: false, message: `Could not download from ${host}: the file (${declared} bytes) is larger than the limit of ${limits.maxBytes} bytes.` };
  }
  try {
    const received = await receiveZip(stallGuard(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), limits.stallTimeoutMs ?? 60_000, abort), limits.maxBytes, abort.signal);
    return { ok: true, received };
  } catch (error) {
    const reason = abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason.message : error instanceof Error && "status" in error ? error.message : causeOf(error);
    return { ok: false, message: `Could not download from ${host}: ${reason.replace(/\.$/, "")}.` };
  }
}
