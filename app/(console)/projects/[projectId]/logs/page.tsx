import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { AuditTable } from "@/components/audit/audit-table";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { listProjectAuditEvents } from "@/lib/services/audit/list-project-audit-events";
import { ZListAuditEventsQuery } from "@/lib/validation/audit";

export const metadata = { title: "Project logs" };

export default async function ProjectLogsPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const query = ZListAuditEventsQuery.parse(await searchParams);
  const actor = await getActor();
  const outcome = await attempt(() => listProjectAuditEvents({ actor, projectId: project.value.id, ...query }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  return (
    <>
      <AuditTable rows={rows} />
      <Pagination basePath={`/projects/${project.value.id}/logs`} params={{}} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
