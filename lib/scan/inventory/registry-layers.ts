/**
 * The layers of one image manifest as LayerSources read from a registry by digest through
 * lib/registry's client (the backing registry for the built-in scanner). Each layer's blob is
 * opened only when the inventory reaches it, so one stream is open at a time.
 */
import { DOCKER_MANIFEST_LIST, OCI_IMAGE_INDEX } from "@/lib/oci/media-types";
import type { RegistryClient } from "@/lib/registry/client";

import type { LayerSource } from "./index";

export class NotAnImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotAnImageError";
  }
}

interface ManifestLayers {
  layers?: { mediaType?: unknown; digest?: unknown }[];
}

export async function registryLayerSources(client: RegistryClient, repository: string, manifestDigest: string): Promise<LayerSource[]> {
  const manifest = await client.getManifest(repository, manifestDigest);
  if (manifest.mediaType === OCI_IMAGE_INDEX || manifest.mediaType === DOCKER_MANIFEST_LIST) {
    // Indexes are scanned child by child; the caller summarises them on the index.
    throw new NotAnImageError(`${repository}@${manifestDigest} is an image index; scan its child manifests.`);
  }
  const layers = (manifest.json as ManifestLayers).layers;
  if (!Array.isArray(layers)) throw new NotAnImageError(`${repository}@${manifestDigest} has no layers to scan.`);
  return layers.map((layer, index) => {
    if (typeof layer.digest !== "string" || typeof layer.mediaType !== "string") {
      throw new NotAnImageError(`${repository}@${manifestDigest}: layer ${index} has no digest or media type.`);
    }
    const digest = layer.digest;
    return {
      digest,
      mediaType: layer.mediaType,
      open: async () => (await client.getBlob(repository, digest)).stream,
    };
  });
}
