import { CreateSystemRobotForm, SystemRobotRow } from "@/app/(console)/admin/robots/system-robot-forms";
import { getTranslations } from "next-intl/server";
import { ROBOT_COLUMN_COUNT, robotColumns, toRobotRowData } from "@/components/robots/robot-list";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { pickerGrid } from "@/lib/robots/permission-picker";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listProjects } from "@/lib/services/projects/list-projects";
import { listRobots } from "@/lib/services/robots/robots";
import { ZConsolePaging } from "@/lib/validation/pagination";
import { ZListProjectsQuery } from "@/lib/validation/projects";

export async function generateMetadata() {
  return { title: (await getTranslations("robots"))("title") };
}

/** How many project names the scope picker lists; "All projects" covers the rest. */
const PROJECT_CHOICES = 100;

export default async function SystemRobotsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { page, pageSize } = ZConsolePaging.parse(await searchParams);
  const actor = await getActor();
  // The service decides who may see system robots (administrators and auditors).
  const outcome = await attempt(() => listRobots({ actor, projectId: null, page, pageSize }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const canCreate = hasSystemPermission(actor, "robot.system.create");
  const canManage = hasSystemPermission(actor, "robot.system.update") && hasSystemPermission(actor, "robot.system.delete");
  const projects = canCreate ? (await listProjects({ actor, query: ZListProjectsQuery.parse({ pageSize: PROJECT_CHOICES }) })).rows.map((p) => p.name) : [];
  const { rows, total } = outcome.value;
  const t = await getTranslations("robots");
  return (
    <>
      <PageHeader title={t("title")} description={t("systemDescription")} />
      <div className="space-y-6">
        {/* An administrator holds every permission, so the table offers all Wharf has. */}
        {canCreate && <CreateSystemRobotForm grid={pickerGrid()} projects={projects} />}
        <Table testId="robots-table" container columns={robotColumns(t)}>
          {rows.map((robot) => (
            <SystemRobotRow key={robot.id} robot={toRobotRowData(robot)} canManage={canManage} />
          ))}
          {rows.length === 0 && <EmptyRow colSpan={ROBOT_COLUMN_COUNT}>{t("emptySystem")}</EmptyRow>}
        </Table>
        <Pagination basePath="/admin/robots" params={{}} page={page} pageSize={pageSize} total={total} />
      </div>
    </>
  );
}
