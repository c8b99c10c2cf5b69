import { getActor } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { artifactSbom } from "@/lib/services/scan/manual-scan";

/*
 * The artifact page's SBOM download: `?repository=<project>/<name>&digest=sha256:…`. Thin: the
 * service checks that the caller may read the project's scans (a private project stays a 404 to
 * outsiders) and finds the succeeded CycloneDX report. `-` is never a repository name's segment
 * (see ../format.ts), so this path cannot hide a repository page.
 */
export async function GET(req: Request, { params }: { params: Promise<{ projectId: string }> }): Promise<Response> {
  const { projectId } = await params;
  const url = new URL(req.url);
  const repository = url.searchParams.get("repository") ?? "";
  const digest = url.searchParams.get("digest") ?? "";
  try {
    const actor = await getActor();
    const project = /^\d+$/.test(projectId) ? Number(projectId) : NaN;
    const file = await artifactSbom({ actor, repository, digest, projectId: project });
    return new Response(file.body, {
      headers: {
        "content-type": `${file.mediaType}; charset=utf-8`,
        "content-disposition": `attachment; filename="${file.fileName.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (error) {
    if (error instanceof AppError) return new Response(`${error.message}\n`, { status: error.status, headers: { "content-type": "text/plain; charset=utf-8" } });
    throw error;
  }
}
