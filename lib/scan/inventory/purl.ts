/**
 * Package URLs (https://github.com/package-url/purl-spec) for inventory entries. Only the
 * characters the spec requires are percent-encoded; namespaces are split on the scope ("@scope/x").
 */
function encode(part: string): string {
  return encodeURIComponent(part).replace(/%3A/gi, ":");
}

function qualifiers(entries: Record<string, string | undefined>): string {
  const parts = Object.entries(entries)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== "")
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${encode(value)}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

export function debPurl(name: string, version: string, arch?: string, distro?: string): string {
  return `pkg:deb/debian/${encode(name)}@${encode(version)}${qualifiers({ arch, distro })}`;
}

export function apkPurl(name: string, version: string, arch?: string, distro?: string): string {
  return `pkg:apk/alpine/${encode(name)}@${encode(version)}${qualifiers({ arch, distro })}`;
}

export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith("@") ? name.indexOf("/") : -1;
  const path = slash > 0 ? `${encode(name.slice(0, slash))}/${encode(name.slice(slash + 1))}` : encode(name);
  return `pkg:npm/${path}@${encode(version)}`;
}

export function pypiPurl(normalizedName: string, version: string): string {
  return `pkg:pypi/${encode(normalizedName)}@${encode(version)}`;
}
