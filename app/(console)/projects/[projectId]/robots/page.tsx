import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { CreateRobotForm, ProjectRobotRow } from "@/app/(console)/projects/[projectId]/robots/robot-forms";
import { getTranslations } from "next-intl/server";
import { ROBOT_COLUMN_COUNT, robotColumns, toRobotRowData } from "@/components/robots/robot-list";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { pickerGrid } from "@/lib/robots/permission-picker";
import { listRobots } from "@/lib/services/robots/robots";
import { ZConsolePaging } from "@/lib/validation/pagination";

export const generateMetadata = projectPageMetadata("robots");

export default async function RobotsPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const sp = await searchParams;
  const { page, pageSize } = ZConsolePaging.parse(sp);
  const actor = await getActor();
  const outcome = await attempt(() => listRobots({ actor, projectId: project.value.id, page, pageSize }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const can = new Set<string>(project.value.viewerPermissions);
  // The table offers only what the viewer holds: a robot never gets more than its creator.
  const grid = pickerGrid(can);
  const { rows, total } = outcome.value;
  const t = await getTranslations("robots");
  return (
    <div className="space-y-6">
      {can.has("robot:create") && <CreateRobotForm projectId={project.value.id} projectName={project.value.name} grid={grid} />}
      <Table testId="robots-table" container columns={robotColumns(t)}>
        {rows.map((robot) => (
          <ProjectRobotRow key={robot.id} projectId={project.value.id} robot={toRobotRowData(robot)} canManage={can.has("robot:update") && can.has("robot:delete")} />
        ))}
        {rows.length === 0 && (
          <EmptyRow colSpan={ROBOT_COLUMN_COUNT}>{t("empty")}</EmptyRow>
        )}
      </Table>
      <Pagination basePath={`/projects/${project.value.id}/robots`} params={{}} page={page} pageSize={pageSize} total={total} />
    </div>
  );
}
