/**
 * The HTTP side of Wharf's built-in scanner adapter (Pluggable Scanner API v1.1, with v1.2's SBOM
 * report), served by app/scanner/api/v1/… route files: authenticate the caller (the built-in
 * adapter key as a Bearer token, as the registration sends it), parse, call the adapter service,
 * answer in the spec's media types. Every error is the spec's ErrorResponse, never a bare 500.
 */
import { isBuiltinAdapterAuthorization } from "@/lib/services/scan/builtin-adapter-key";
import {
  acceptScanRequest,
  adapterReport,
  builtinAdapterMetadata,
  REFRESH_AFTER_SECONDS,
  ScanRequestRefused,
} from "@/lib/services/scan/adapter-requests";
import { ERROR_MIME, METADATA_MIME, SCAN_RESPONSE_MIME } from "./mime";

const SECURITY_HEADERS = { "x-content-type-options": "nosniff", "cache-control": "no-store" };

function json(status: number, contentType: string, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": contentType, ...SECURITY_HEADERS, ...headers } });
}

function error(status: number, message: string, headers: Record<string, string> = {}): Response {
  return json(status, ERROR_MIME, { error: { message } }, headers);
}

/** Not the built-in adapter's key: 401 with the scheme to use, before anything is read. */
function refuseCaller(req: Request): Response | null {
  if (isBuiltinAdapterAuthorization(req.headers.get("authorization"))) return null;
  return error(401, "Send this scanner's key as `Authorization: Bearer <key>` (as its registration in Wharf does).", { "www-authenticate": 'Bearer realm="wharf-scanner"' });
}

async function guarded(work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (failure) {
    console.error("wharf: scanner adapter: unexpected failure", failure);
    return error(500, "The scanner failed unexpectedly; see Wharf's log.");
  }
}

export function handleMetadata(req: Request): Promise<Response> {
  return guarded(async () => refuseCaller(req) ?? json(200, METADATA_MIME, await builtinAdapterMetadata()));
}

/** Request bodies are a few hundred bytes; anything near this is not a ScanRequest. */
const MAX_SCAN_REQUEST_BYTES = 64 * 1024;

export function handleScan(req: Request): Promise<Response> {
  return guarded(async () => {
    const refused = refuseCaller(req);
    if (refused) return refused;
    const text = await req.text();
    if (text.length > MAX_SCAN_REQUEST_BYTES) return error(400, `The scan request is larger than ${MAX_SCAN_REQUEST_BYTES / 1024} KiB.`);
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      return error(400, "The body is not JSON.");
    }
    try {
      return json(202, SCAN_RESPONSE_MIME, await acceptScanRequest(body));
    } catch (failure) {
      if (failure instanceof ScanRequestRefused) return error(failure.httpStatus, failure.message);
      throw failure;
    }
  });
}

export function handleReport(req: Request, scanRequestId: string): Promise<Response> {
  return guarded(async () => {
    const refused = refuseCaller(req);
    if (refused) return refused;
    const url = new URL(req.url);
    const answer = await adapterReport(scanRequestId, req.headers.get("accept"), url.searchParams.get("sbom_media_type"));
    switch (answer.kind) {
      case "not_found":
        return new Response(null, { status: 404, headers: SECURITY_HEADERS });
      case "pending":
        return new Response(null, { status: 302, headers: { ...SECURITY_HEADERS, "refresh-after": String(REFRESH_AFTER_SECONDS) } });
      case "failed":
        return error(500, answer.message);
      case "bad_request":
        return error(400, answer.message);
      case "unsupported":
        return error(501, answer.message);
      case "report":
        return json(200, answer.mimeType, answer.body);
    }
  });
}
