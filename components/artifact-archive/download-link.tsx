import { formatPlatform } from "@/lib/oci/archive";

export { ArtifactDownloadMenu } from "@/components/artifact-archive/download-menu";

/** The REST route of a repository's import, or of an artifact's download (the name inside the project encoded twice, as Harbor's clients send it). */
export function archiveHref(repository: string, reference: string | null, kind: "download" | "import"): string {
  const slash = repository.indexOf("/");
  const base = `/api/v2.0/projects/${encodeURIComponent(repository.slice(0, slash))}/repositories/${encodeURIComponent(encodeURIComponent(repository.slice(slash + 1)))}`;
  return kind === "import" ? `${base}/import` : `${base}/artifacts/${encodeURIComponent(reference ?? "")}/download`;
}

/** An index's child platforms as the download asks them (attestation manifests, `unknown/unknown`, left out). */
export function childPlatforms(children: { os: string | null; architecture: string | null; variant: string | null }[]): string[] {
  return [...new Set(children.filter((c) => c.os && c.architecture && c.os !== "unknown").map((c) => formatPlatform({ os: c.os ?? undefined, architecture: c.architecture ?? undefined, variant: c.variant ?? undefined })))];
}
