import { processCache } from "@/lib/cache/process-cache";
import type { GatewayRequest } from "@/lib/gateway/parse";
import { registryErrorResponse } from "@/lib/gateway/registry-response";

/**
 * Chunked blob uploads as the distribution spec has them, where Distribution 2.8 falls short: it
 * ignores a PATCH's Content-Range (a chunk sent out of order or twice is appended, corrupting the
 * blob, which then fails its digest at the end), refuses a chunk sent to a Location it has already
 * moved past with 404 BLOB_UPLOAD_INVALID, and answers the status of an upload (GET) only for its
 * latest Location. The registry's upload state (`_state`) is signed with its secret, so Wharf cannot
 * make one: it remembers the latest Location (and offset) it handed out for each session instead,
 * and answers from that.
 *
 * The multi-instance story: the memory is this process's. A session whose answers another instance
 * handed out is not known here; its chunks go to the registry unchecked unless they name a
 * Content-Range, whose offset is then asked of the registry (a status GET with the client's state).
 */
type UploadSession = {
  /** The `_state` of the latest Location. */
  state: string;
  /** That Location, as handed to the client (Wharf's URL). */
  location: string;
  /** Bytes received so far. */
  offset: number;
};

// Sessions live as long as the registry keeps an unfinished upload (its purge age is days); a
// session that finishes or is cancelled leaves at once. Nothing another instance does changes what
// is remembered here (a session's Locations come only from answers to this instance's requests).
const sessions = processCache<UploadSession>({ name: "gateway-upload-sessions", max: 10_000, ttlMs: 24 * 60 * 60 * 1000, invalidatedBy: null });

function keyOf(repository: string, uploadId: string): string {
  return `${repository}\0${uploadId}`;
}

/**
 * Before an upload PATCH or GET is forwarded: a 416 for a chunk that does not start at the
 * session's offset (a retried chunk, or one sent to an old Location), or null to forward. A status
 * GET for an old Location is sent with the latest state instead. Null synchronously for every other
 * request (and for a PATCH that needs nothing asked), so they pay no await for it.
 */
export function checkUploadRequest(
  request: GatewayRequest,
  headers: Headers,
  status: (query: URLSearchParams) => Promise<Response>,
): Promise<Response | null> | Response | null {
  const { route, method, query } = request;
  if (route.kind !== "upload" || (method !== "PATCH" && method !== "GET")) return null;
  const session = sessions.get(keyOf(route.name, route.uploadId));
  const current = query.get("_state");
  if (method === "GET") {
    if (session && current !== session.state) query.set("_state", session.state);
    return null;
  }
  if (session && current !== session.state) {
    return outOfOrder(route.uploadId, session.offset, session.location, "the chunk was sent to an earlier Location of this upload (a retried chunk)");
  }
  const contentRange = headers.get("content-range");
  if (contentRange === null) return null;
  const start = rangeStart(contentRange);
  if (session) return start === session.offset ? null : outOfOrder(route.uploadId, session.offset, session.location, mismatch(start));
  return status(query).then(async (answer) => {
    await answer.body?.cancel().catch(() => undefined);
    const offset = answer.status === 204 ? offsetOf(answer.headers.get("range"), null) : null;
    const location = answer.headers.get("location");
    // The registry's own answer stands when it cannot say where the upload is.
    if (offset === null || location === null) return null;
    return start === offset ? null : outOfOrder(route.uploadId, offset, location, mismatch(start));
  });
}

/** After an upload request was answered: the session's latest Location and offset, or its end. */
export function noteUploadAnswer(request: GatewayRequest, headers: Headers, answer: Response): void {
  const { route, method } = request;
  if (route.kind !== "upload" && route.kind !== "upload-start") return;
  if (route.kind === "upload" && ((method === "PUT" && answer.status === 201) || (method === "DELETE" && answer.status === 204))) {
    sessions.delete(keyOf(route.name, route.uploadId));
    return;
  }
  const accepted = (method === "POST" && answer.status === 202) || (method === "PATCH" && answer.status === 202) || (method === "GET" && answer.status === 204);
  const location = answer.headers.get("location");
  if (!accepted || location === null) return;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return;
  }
  const uploadId = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  const state = url.searchParams.get("_state");
  if (!uploadId || state === null) return;
  const key = keyOf(route.name, uploadId);
  const before = sessions.get(key);
  let offset: number | null = 0;
  if (method !== "POST") {
    // "0-0" is both an empty upload and one of one byte: a PATCH that sent bytes (or a session
    // already past its first byte) has one.
    const sent = method === "PATCH" && headers.get("content-length") !== "0";
    offset = offsetOf(answer.headers.get("range"), sent || (before?.offset ?? 0) > 0 ? 1 : before ? 0 : null);
  }
  if (offset === null) sessions.delete(key);
  else sessions.set(key, { state, location, offset });
}

/** The bytes an upload holds, from the registry's `Range: 0-<last>`; `ifZero` settles "0-0". */
function offsetOf(range: string | null, ifZero: number | null): number | null {
  const match = range === null ? null : /^0-(\d{1,15})$/.exec(range.trim());
  if (!match) return null;
  const last = Number(match[1]);
  return last > 0 ? last + 1 : ifZero;
}

/** `<start>-<end>` (the distribution spec's form; "bytes " accepted before it), or NaN if malformed. */
function rangeStart(contentRange: string): number {
  const match = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})$/.exec(contentRange.trim());
  if (!match) return Number.NaN;
  const start = Number(match[1]);
  return start <= Number(match[2]) ? start : Number.NaN;
}

function mismatch(start: number): string {
  return Number.isNaN(start) ? "the Content-Range is not <start>-<end>" : `the chunk starts at byte ${start}`;
}

/** 416 with where the upload stands: the client resumes from Range at Location. */
function outOfOrder(uploadId: string, offset: number, location: string, why: string): Response {
  return registryErrorResponse(416, "BLOB_UPLOAD_INVALID", `Chunk out of order: ${why}, but the upload holds ${offset} bytes; continue at the Location given.`, {
    headers: { Location: location, Range: `0-${Math.max(offset - 1, 0)}`, "Docker-Upload-UUID": uploadId },
  });
}
