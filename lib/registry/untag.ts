import { randomUUID } from "node:crypto";
import type { RegistryClient } from "@/lib/registry/client";
import { OCI_IMAGE_INDEX } from "@/lib/oci/media-types";

/**
 * Removes one tag and nothing else (the "untag trick"). Distribution 2.8
 * cannot delete a tag, and deleting a digest removes every tag on it; so the tag is first moved to
 * a unique throwaway manifest, which is then deleted by digest, taking only that tag with it.
 *
 * The throwaway is an OCI index with no children and a random annotation: unique per call, and it
 * references no blobs, so nothing has to be uploaded first.
 *
 * If the delete fails after the tag was moved, the tag is put back on `restore` (the manifest it
 * pointed at, which the caller read first), so a failure leaves the registry as it was.
 */
export async function untag(
  registry: RegistryClient,
  repository: string,
  tag: string,
  restore: { mediaType: string; bytes: Uint8Array },
): Promise<void> {
  const throwaway = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_INDEX,
      manifests: [],
      annotations: { "io.wharf.untag": randomUUID() },
    }),
  );
  const { digest } = await registry.putManifest(repository, tag, OCI_IMAGE_INDEX, throwaway);
  try {
    await registry.deleteManifest(repository, digest);
  } catch (error) {
    await registry.putManifest(repository, tag, restore.mediaType, restore.bytes).catch(() => undefined);
    throw error;
  }
}
