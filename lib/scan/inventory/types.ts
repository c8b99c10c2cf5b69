/** One installed package as the inventory records it (per artifact, per layer). */
export interface InventoryPackage {
  /** The installed package's own name (Debian binary package, apk package, npm/PyPI name). */
  name: string;
  version: string;
  /** OSV ecosystem, with the release for OS packages: "Debian:12", "Alpine:v3.18", "npm", "PyPI". */
  ecosystem: string;
  /**
   * The name advisories are keyed by: the Debian source package, the Alpine origin; for npm and
   * PyPI the package name (PyPI already PEP 503 normalised).
   */
  advisoryName: string;
  purl: string;
  /** Path of the package database or manifest it was read from, inside the image. */
  path: string;
  /** Digest of the layer the database was read from (filled by the layer reader). */
  layerDigest: string;
  /** npm packages marked `dev` in a lockfile: installed, but some scanners skip them. */
  dev?: boolean;
}

export type ParsedPackage = Omit<InventoryPackage, "layerDigest">;

export interface OsRelease {
  id: string;
  versionId: string | null;
  prettyName: string | null;
  /** The OSV ecosystem for this OS's packages, null when the OS is not one advisories cover. */
  ecosystem: string | null;
}
