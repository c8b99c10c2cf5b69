/** Display helpers shared by the repository pages (pure; safe on server and client). */
import { formatDateTime } from "@/lib/format/datetime";

/**
 * `2026-12-05 07:41:09 UTC` (lib/format/datetime.ts, the console's one format), or "—" for a missing date: null, an unparsable string, and the zero
 * times tools write when they have none (Go's 0001-01-01 in cosign signatures, anything before
 * the Unix epoch), which are no one's real push or build time.
 */
export function formatTime(date: Date | string | null | undefined): string {
  if (date === null || date === undefined || date === "") return "—";
  const d = typeof date === "string" ? new Date(date) : date;
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970) return "—";
  return formatDateTime(d);
}

/**
 * `2026-12-05 07:41:09 UTC`: a push time to the second, as the artifact list shows it (two pushes
 * in the same minute, the usual CI case, stay apart). "—" for what formatTime calls missing.
 */
export function formatTimeToSecond(date: Date | string | null | undefined): string {
  return formatTime(date);
}

export function formatSize(bytes: bigint | number): string {
  const n = Number(bytes);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** `sha256:0123456789ab`: enough to tell artifacts apart in a list, as Harbor shows them. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(":");
  return digest.slice(0, colon + 13);
}

export function platformLabel(p: { os: string | null; architecture: string | null; variant: string | null }): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/") || "unknown";
}

/**
 * Console URL of a repository. The path after `/repositories/` is the name without its project;
 * a name's segments are URL-safe by Distribution's grammar, so they are used as they are.
 */
export function repositoryHref(projectId: number, repository: string): string {
  return `/projects/${projectId}/repositories/${repository.slice(repository.indexOf("/") + 1)}`;
}

/**
 * `-` cannot be a segment of a repository name (segments start with [a-z0-9]), so it separates
 * the repository path from the artifact part, as GitLab does.
 */
export function artifactHref(projectId: number, repository: string, reference: string): string {
  return `${repositoryHref(projectId, repository)}/-/artifacts/${reference}`;
}
