import { getActor } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { exportArtifactVulnerabilitiesCsv } from "@/lib/services/scan/vulnerability-csv";

/*
 * The artifact page's CSV export of its (filtered) vulnerability list:
 * `?repository=<project>/<name>&digest=sha256:…` plus the table's own filters and sort (vulnSeverity,
 * vulnQ, vulnFixable, vulnSort). Thin: the service authorizes (scan:read; a private project stays a
 * 404 to outsiders), filters and escapes. `-` is never a repository name's segment (see ../format.ts).
 */
export async function GET(req: Request, { params }: { params: Promise<{ projectId: string }> }): Promise<Response> {
  const { projectId } = await params;
  const url = new URL(req.url);
  const q = url.searchParams;
  try {
    const actor = await getActor();
    const project = /^\d+$/.test(projectId) ? Number(projectId) : NaN;
    const file = await exportArtifactVulnerabilitiesCsv({
      actor,
      repository: q.get("repository") ?? "",
      digest: q.get("digest") ?? "",
      projectId: project,
      query: { vulnSort: q.get("vulnSort") ?? undefined, vulnSeverity: q.get("vulnSeverity") ?? undefined, vulnQ: q.get("vulnQ") ?? undefined, vulnFixable: q.get("vulnFixable") ?? undefined },
    });
    return new Response(file.body, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
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
