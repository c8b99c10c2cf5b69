import { StopScanButton } from "@/app/(console)/projects/[projectId]/repositories/[...path]/scan-controls";
import type { Actor } from "@/lib/auth/actor";
import { artifactScansInProgress } from "@/lib/services/scan/stop-scan";

/**
 * Stop buttons for the artifact's scans still queued or running (an index: its platforms'), for
 * those who may stop them; nothing otherwise. The Vulnerabilities section beside it refreshes the
 * page while a scan goes on, so the buttons go away when the scans end.
 */
export async function StopScanControl({ actor, projectId, repository, digest }: { actor: Actor; projectId: number; repository: string; digest: string }) {
  const types = await artifactScansInProgress({ actor, projectId, repository, digest }).catch(() => []);
  if (types.length === 0) return null;
  return (
    <div className="mb-3 flex flex-wrap items-start gap-2" data-testid="scan-stop-controls">
      {types.map((scanType) => (
        <StopScanButton key={scanType} projectId={projectId} repository={repository} digest={digest} scanType={scanType} />
      ))}
    </div>
  );
}
