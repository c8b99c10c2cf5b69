import type { Actor } from "@/lib/auth/actor";
import type { RepositoryRoute } from "@/lib/gateway/gateway-path";
import type { GatewayRequest } from "@/lib/gateway/parse";
import { registryErrorResponse } from "@/lib/gateway/registry-response";
import { RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { attachNodeBody } from "@/lib/registry/forward";
import { fillBlob, upstreamBlobSize } from "@/lib/services/proxy-cache/blobs";
import { proxyManifest, type ProxyManifest } from "@/lib/services/proxy-cache/manifests";

/**
 * Stage 5 for a proxy-cache project (lib/services/proxy-cache decides what is served from where):
 * its manifest reads are answered from the cache or the upstream, and a blob read the backing
 * registry misses is answered by the upstream's bytes while they are cached ("stream"), or, when
 * another request is filling that blob, from the registry once it is in ("forward").
 */

/** A manifest GET or HEAD in a proxy-cache project; null (synchronously) for every other request. */
export function proxyManifestRead(request: GatewayRequest, route: RepositoryRoute, actor: Actor, projectId: number, proxyRegistryId: number | null): Promise<Response> | null {
  const { method } = request;
  if (proxyRegistryId === null || route.kind !== "manifest" || (method !== "GET" && method !== "HEAD")) return null;
  return proxyManifest({ actor, projectId, registryId: proxyRegistryId, repository: route.name, reference: route.reference }).then((answer) =>
    answer.kind === "unknown" ? registryErrorResponse(404, "MANIFEST_UNKNOWN", answer.message, { method }) : manifestAnswer(answer, method),
  );
}

function manifestAnswer(manifest: ProxyManifest, method: string): Response {
  const headers = new Headers({
    "Content-Type": manifest.mediaType,
    "Content-Length": String(manifest.bytes.byteLength),
    "Docker-Content-Digest": manifest.digest,
    ETag: `"${manifest.digest}"`,
  });
  // Copied: BodyInit does not accept a view that may sit on a SharedArrayBuffer.
  return new Response(method === "HEAD" ? null : new Uint8Array(manifest.bytes), { status: 200, headers });
}

/**
 * A blob GET or HEAD the backing registry answered 404, in a proxy-cache project: the upstream's
 * answer, or "forward" to ask the registry again (a concurrent fill put it there). Null
 * (synchronously) when the request is not such a miss.
 */
export function proxyBlobMiss(
  request: GatewayRequest,
  route: RepositoryRoute,
  served: Response,
  projectId: number,
  proxyRegistryId: number | null,
): Promise<Response | "forward"> | null {
  const { method } = request;
  if (proxyRegistryId === null || route.kind !== "blob" || served.status !== 404 || (method !== "GET" && method !== "HEAD")) return null;
  const target = { projectId, registryId: proxyRegistryId, repository: route.name, digest: route.digest };
  const answer = async (): Promise<Response | "forward"> => {
    await served.body?.cancel().catch(() => undefined);
    try {
      if (method === "HEAD") {
        const size = await upstreamBlobSize(target);
        return size === null ? blobUnknown(route.digest, method) : new Response(null, { status: 200, headers: blobHeaders(route.digest, size) });
      }
      const fill = await fillBlob(target, { forClient: true });
      if (fill.kind === "cached") return "forward";
      const response = new Response(fill.stream, { status: 200, headers: blobHeaders(route.digest, fill.size) });
      // Wharf's front pipes the node stream to the client as is (no web stream in between).
      attachNodeBody(response, fill.node);
      return response;
    } catch (error) {
      if (error instanceof RegistryError && error.status === 404) return blobUnknown(route.digest, method);
      if (error instanceof RegistryUnavailableError || error instanceof RegistryError) {
        return registryErrorResponse(404, "BLOB_UNKNOWN", `Blob ${route.digest} is not in the cache, and the upstream registry cannot give it: ${error.message}`, { method });
      }
      throw error;
    }
  };
  return answer();
}

function blobUnknown(digest: string, method: string): Response {
  return registryErrorResponse(404, "BLOB_UNKNOWN", `Blob ${digest} is neither in the cache nor at the upstream registry.`, { method });
}

function blobHeaders(digest: string, size: number | null): Headers {
  const headers = new Headers({ "Content-Type": "application/octet-stream", "Docker-Content-Digest": digest, ETag: `"${digest}"` });
  if (size !== null) headers.set("Content-Length", String(size));
  return headers;
}
