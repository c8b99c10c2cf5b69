/**
 * Names shared by image archives (download and import): the formats, the platform a download asks
 * for, the annotation an OCI layout tags by. Pure: importable by forms and the registry code.
 */

export const ARCHIVE_FORMATS = ["docker-archive", "oci-layout"] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

/** The OCI annotation skopeo's `oci:`/`oci-archive:` transports look a tag up by. */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

/** A platform as a download asks it: `os/architecture[/variant]`. */
export type PlatformSpec = { os: string; architecture: string; variant?: string };

export function parsePlatform(value: string): PlatformSpec | null {
  const parts = value.split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]{1,64}$/i.test(p))) return null;
  return { os: parts[0]!, architecture: parts[1]!, ...(parts[2] ? { variant: parts[2] } : {}) };
}

export function formatPlatform(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os ?? "?", p.architecture ?? "?", ...(p.variant ? [p.variant] : [])].join("/");
}
