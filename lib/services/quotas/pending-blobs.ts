import "server-only";
import { db } from "@/lib/db/client";
import { parseManifestBytes } from "@/lib/oci/manifest";
import type { RegistryClient } from "@/lib/registry/client";
import { manifestBlobs, recordArtifactBlobs } from "@/lib/services/repositories/index-manifest";

const BATCH = 200;

/**
 * Artifacts indexed before blob references were recorded (the quota migration knew only their
 * manifests' own bytes; the index never stored manifest bodies): their manifests are read from
 * the registry and their config and layers recorded, each artifact in its own short transaction
 * (the repository's row locked first, as every index write does). A manifest the registry no
 * longer has is left for the reconcile's own cleanup. Called by the reconcile job; answers how many
 * artifacts it completed.
 */
export async function recordPendingBlobs(registry: RegistryClient, log: (line: string) => void = () => undefined): Promise<number> {
  let after = 0;
  let recorded = 0;
  for (;;) {
    const rows = await db.$queryRaw<{ id: number; digest: string; repository_id: number; name: string }[]>`
      SELECT a.id, a.digest, a.repository_id, r.name FROM artifacts a JOIN repositories r ON r.id = a.repository_id
      WHERE NOT a.blobs_recorded AND a.id > ${after} ORDER BY a.id LIMIT ${BATCH}`;
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    for (const row of rows) {
      let fetched;
      try {
        fetched = await registry.getManifest(row.name, row.digest);
      } catch (error) {
        log(`blob references of ${row.name}@${row.digest} not recorded: ${String(error)}`);
        continue;
      }
      const blobs = manifestBlobs(row.digest, fetched.bytes.byteLength, parseManifestBytes(fetched.bytes, fetched.mediaType));
      await db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT 1 FROM repositories WHERE id = ${row.repository_id} FOR NO KEY UPDATE`;
        await recordArtifactBlobs(tx, { artifactId: row.id, repositoryId: row.repository_id, blobs });
        await tx.artifact.updateMany({ where: { id: row.id }, data: { blobsRecorded: true } });
      });
      recorded += 1;
    }
  }
  if (recorded > 0) log(`recorded the blob references of ${recorded} artifact(s) indexed before quotas`);
  return recorded;
}
