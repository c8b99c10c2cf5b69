/**
 * Which files inside an image the inventory reads. Everything else in a layer is skipped
 * unread (streamed past), which is what keeps a scan's memory independent of layer size.
 */
export type PackageFileKind =
  | "os-release"
  | "alpine-release"
  | "dpkg-status"
  | "apk-installed"
  | "package-lock"
  | "node-package-json"
  | "python-metadata"
  | "requirements"
  | "poetry-lock";

const RULES: [RegExp, PackageFileKind][] = [
  [/^(etc|usr\/lib)\/os-release$/, "os-release"],
  [/^etc\/alpine-release$/, "alpine-release"],
  [/^var\/lib\/dpkg\/status$/, "dpkg-status"],
  [/^var\/lib\/dpkg\/status\.d\/[^/]+$/, "dpkg-status"],
  [/^lib\/apk\/db\/installed$/, "apk-installed"],
  [/(^|\/)(package-lock\.json|npm-shrinkwrap\.json|node_modules\/\.package-lock\.json)$/, "package-lock"],
  [/(^|\/)node_modules\/(@[^/]+\/)?[^/@.][^/]*\/package\.json$/, "node-package-json"],
  [/\.dist-info\/METADATA$/, "python-metadata"],
  [/\.egg-info\/PKG-INFO$/, "python-metadata"],
  [/\.egg-info$/, "python-metadata"],
  [/(^|\/)requirements[^/]*\.txt$/, "requirements"],
  [/(^|\/)poetry\.lock$/, "poetry-lock"],
];

/** Largest file of each kind read into memory; bigger ones are skipped with a warning. */
export const MAX_PACKAGE_FILE_BYTES: Record<PackageFileKind, number> = {
  "os-release": 64 * 1024,
  "alpine-release": 4 * 1024,
  "dpkg-status": 64 * 1024 * 1024,
  "apk-installed": 64 * 1024 * 1024,
  "package-lock": 64 * 1024 * 1024,
  "node-package-json": 1024 * 1024,
  "python-metadata": 4 * 1024 * 1024,
  requirements: 4 * 1024 * 1024,
  "poetry-lock": 16 * 1024 * 1024,
};

/** Layer paths are relative, without "./" or a leading "/". */
export function normalizeLayerPath(name: string): string {
  return name.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
}

export function classifyPackageFile(path: string): PackageFileKind | null {
  if (path.endsWith(".md5sums") || path.endsWith(".list")) return null;
  for (const [pattern, kind] of RULES) if (pattern.test(path)) return kind;
  return null;
}
