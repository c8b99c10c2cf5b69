import { isDigest } from "@/lib/oci/digest";
import { MANIFEST_MAX_BYTES, parseManifestBytes } from "@/lib/oci/manifest";
import { isManifestMediaType, MANIFEST_ACCEPT } from "@/lib/oci/media-types";
import { digestOf } from "@/lib/registry/client";
import { takeNodeBody } from "@/lib/registry/forward";
import type { GatewayPathError } from "@/lib/gateway/gateway-path";
import { readBounded, readBoundedNode } from "@/lib/streams/read-bounded";

export { MANIFEST_MAX_BYTES };

export type CheckedManifest = {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
  /** The digest its `subject` names (an OCI referrer), null without one or with a malformed one. */
  subject: string | null;
};

/**
 * Reads and checks a manifest PUT body before anything reaches the registry: size, media type,
 * JSON shape, and (pushed by digest) that the bytes hash to that digest.
 */
export async function readManifestBody(
  body: ReadableStream<Uint8Array> | null,
  contentType: string | null,
  contentLength: string | null,
  reference: string,
): Promise<CheckedManifest | GatewayPathError> {
  const declared = contentLength === null ? null : Number(contentLength);
  if (declared !== null && Number.isFinite(declared) && declared > MANIFEST_MAX_BYTES) {
    await body?.cancel().catch(() => undefined);
    return tooLarge();
  }
  // The client's node stream when Wharf's front passed it (fewer turns of the event loop per push).
  const node = takeNodeBody(body);
  const bytes = node ? await readBoundedNode(node, MANIFEST_MAX_BYTES) : await readBounded(body, MANIFEST_MAX_BYTES);
  if (bytes === null) return tooLarge();
  return checkManifest(bytes, contentType, reference);
}

export function checkManifest(bytes: Uint8Array, contentType: string | null, reference: string): CheckedManifest | GatewayPathError {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  if (!isManifestMediaType(mediaType)) {
    return invalid(
      `Unsupported manifest media type ${JSON.stringify(mediaType || "(none)")}: send Content-Type ${MANIFEST_ACCEPT.join(", ")}.`,
    );
  }
  const parsed = parseManifestBytes(bytes, mediaType);
  // The descriptors themselves are the registry's to judge (it refuses a manifest that lists a
  // blob it does not hold): only the outline Wharf relies on is refused here.
  if (!parsed.ok && parsed.problem.code !== "descriptor") return invalid(parsed.problem.message);
  const digest = digestOf(bytes, isDigest(reference) ? reference : "sha256:");
  if (isDigest(reference) && digest !== reference) {
    return { status: 400, code: "DIGEST_INVALID", message: `The manifest's bytes hash to ${digest}, not to ${reference}.` };
  }
  return { bytes, mediaType, digest, subject: parsed.ok ? (parsed.manifest.subject?.digest ?? null) : null };
}

function invalid(message: string): GatewayPathError {
  return { status: 400, code: "MANIFEST_INVALID", message };
}

function tooLarge(): GatewayPathError {
  return { status: 413, code: "SIZE_INVALID", message: `The manifest is larger than ${MANIFEST_MAX_BYTES / 1024 / 1024} MiB.` };
}
