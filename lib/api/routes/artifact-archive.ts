/**
 * Wharf's extension: an artifact as a tar (docker-archive or OCI layout) and the reverse, a tar
 * imported into a repository. The services decide; this reads the query and streams the bodies.
 */
import { parseInput } from "@/lib/api/body";
import { repositoryFromPath, referenceFromPath } from "@/lib/api/routes/repositories";
import { withApi } from "@/lib/api/with-api";
import { downloadArtifact } from "@/lib/services/repositories/download-artifact";
import { importArchive } from "@/lib/services/repositories/import-archive";
import { ZArtifactDownload, ZArtifactImport } from "@/lib/validation/artifact-archive";

type RepositoryParams = { project_name_or_id: string; repository_name: string };
type ArtifactParams = RepositoryParams & { reference: string };

export const downloadArtifactRoute = withApi<ArtifactParams>(async ({ url, actor, params }) => {
  const options = parseInput(ZArtifactDownload, {
    format: url.searchParams.get("format") ?? undefined,
    // The console form sends an empty platform for "all platforms".
    platform: url.searchParams.get("platform") || undefined,
  });
  const download = await downloadArtifact({ actor, repository: repositoryFromPath(params), reference: referenceFromPath(params), options });
  return new Response(download.stream, {
    status: 200,
    headers: {
      "Content-Type": "application/x-tar",
      "Content-Disposition": `attachment; filename="${download.fileName}"`,
      "Docker-Content-Digest": download.digest,
    },
  });
});

export const importArchiveRoute = withApi<RepositoryParams>(async ({ req, url, actor, params }) => {
  const { tag } = parseInput(ZArtifactImport, { tag: url.searchParams.get("tag") ?? "" });
  const repository = repositoryFromPath(params);
  const imported = await importArchive({ actor, repository, tag, body: req.body, contentLength: Number(req.headers.get("content-length") ?? NaN) });
  return Response.json(
    { digest: imported.digest, media_type: imported.mediaType, tag: imported.tag, blobs: imported.blobs, bytes: imported.bytes, format: imported.format },
    { status: 201, headers: { Location: `/api/v2.0/projects/${encodeURIComponent(params.project_name_or_id)}/repositories/${encodeURIComponent(encodeURIComponent(repository.slice(repository.indexOf("/") + 1)))}/artifacts/${imported.digest}` } },
  );
});
