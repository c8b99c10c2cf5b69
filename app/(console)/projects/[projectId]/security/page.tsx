import type { Metadata } from "next";
import { projectTitle } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { SecuritySummaryView } from "@/components/scan/security-summary-view";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { projectSecuritySummary } from "@/lib/services/scan/security";

export async function generateMetadata({ params }: { params: Promise<{ projectId: string }> }): Promise<Metadata> {
  return { title: await projectTitle((await params).projectId, "security") };
}

/** The project's Security tab: its images' vulnerability totals, aggregated by the service in SQL (scan:read). */
export default async function ProjectSecurityPage({ params }: { params: Promise<{ projectId: string }> }) {
  const outcome = await loadProject((await params).projectId);
  if (!outcome.ok) return null; // the layout shows the refusal
  const project = outcome.value;
  const actor = await getActor();
  const summary = await attempt(() => projectSecuritySummary({ actor, project: { id: project.id, name: project.name, isPublic: project.isPublic } }));
  if (!summary.ok) return <RefusalNotice error={summary.error} />;
  return (
    <div data-testid="project-security">
      <SecuritySummaryView summary={summary.value} />
    </div>
  );
}
