import type { Actor } from "@/lib/auth/actor";
import { RecordingError } from "@/lib/gateway/answers";
import type { RepositoryRoute } from "@/lib/gateway/gateway-path";
import type { CheckedManifest } from "@/lib/gateway/manifest-body";
import type { PreparedManifest } from "@/lib/services/repositories/index-manifest";
import {
  artifactName,
  recordBlobDelete,
  recordManifestDelete,
  recordManifestPull,
  recordManifestPush,
} from "@/lib/services/repositories/record-registry-traffic";

/** Whether a request's success is recorded: manifest pushes, pulls (GET) and deletes, and blob deletes. */
export function isRecorded(route: RepositoryRoute, method: string): boolean {
  return (route.kind === "manifest" && method !== "HEAD") || (route.kind === "blob" && method === "DELETE");
}

/**
 * Stage 6: what the registry accepted is written to Postgres (the index and one audit row), read
 * from its answer's status and headers. A failure to record fails the request: the audit trail
 * must not silently miss traffic.
 */
export async function recordTraffic({
  route,
  method,
  upstream,
  actor,
  projectId,
  manifest,
  prepared,
}: {
  route: RepositoryRoute;
  method: string;
  upstream: Response;
  actor: Actor;
  projectId: number;
  manifest: CheckedManifest | null;
  /** A pushed manifest's index reads, started while the registry stored it. */
  prepared?: Promise<PreparedManifest>;
}): Promise<void> {
  const digestHeader = upstream.headers.get("docker-content-digest");
  const mediaTypeHeader = upstream.headers.get("content-type")?.split(";")[0]?.trim() ?? null;
  try {
    if (route.kind === "manifest") {
      const event = { actor, projectId, repository: route.name, reference: route.reference };
      if (method === "PUT" && upstream.status === 201 && manifest) {
        const digest = digestHeader ?? manifest.digest;
        await recordManifestPush({ ...event, digest, mediaType: manifest.mediaType, manifest: { digest, mediaType: manifest.mediaType, bytes: manifest.bytes }, prepared });
      } else if (method === "GET" && upstream.status === 200) {
        await recordManifestPull({ ...event, digest: digestHeader, mediaType: mediaTypeHeader });
      } else if (method === "DELETE" && upstream.status === 202) {
        await recordManifestDelete({ ...event, digest: digestHeader ?? route.reference, mediaType: null });
      }
    } else if (route.kind === "blob" && method === "DELETE" && upstream.status === 202) {
      await recordBlobDelete({ actor, projectId, repository: route.name, digest: route.digest });
    }
  } catch (error) {
    await upstream.body?.cancel().catch(() => undefined);
    const what = route.kind === "manifest" ? artifactName(route.name, route.reference) : route.name;
    throw new RecordingError(`${method} ${what} reached the registry but could not be recorded`, { cause: error });
  }
}
