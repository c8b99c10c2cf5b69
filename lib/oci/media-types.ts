/**
 * Media types Wharf meets in a Distribution registry. Names follow the OCI image spec and the
 * Docker image manifest v2 spec.
 */

export const OCI_IMAGE_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_IMAGE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_IMAGE_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_IMAGE_LAYER = "application/vnd.oci.image.layer.v1.tar";
export const OCI_IMAGE_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const OCI_IMAGE_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
export const OCI_EMPTY_JSON = "application/vnd.oci.empty.v1+json";

export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_CONTAINER_CONFIG = "application/vnd.docker.container.image.v1+json";
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** Legacy schema 1. Distribution 2.8 converts a schema 2 manifest to this (with a new digest)
 *  when a client asks by tag without listing schema 2 in Accept; we never want that. */
export const DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
export const DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";

/**
 * Sent in Accept on every manifest GET and HEAD. Distribution 2.8 answers 404 for an OCI manifest
 * or index (even by digest) unless its type is listed, and rewrites schema 2 to schema 1 when
 * schema 2 is not listed, so all four must always be present.
 */
export const MANIFEST_ACCEPT = [OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST_V2] as const;

export const MANIFEST_ACCEPT_HEADER = MANIFEST_ACCEPT.join(", ");

export type ManifestMediaType = (typeof MANIFEST_ACCEPT)[number];

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === OCI_IMAGE_INDEX || mediaType === DOCKER_MANIFEST_LIST;
}

export function isImageManifestMediaType(mediaType: string): boolean {
  return mediaType === OCI_IMAGE_MANIFEST || mediaType === DOCKER_MANIFEST_V2;
}

export function isManifestMediaType(mediaType: string): mediaType is ManifestMediaType {
  return (MANIFEST_ACCEPT as readonly string[]).includes(mediaType);
}
