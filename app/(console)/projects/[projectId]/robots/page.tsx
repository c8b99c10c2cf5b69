import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { CreateRobotForm, RobotRow } from "@/app/(console)/projects/[projectId]/robots/robot-forms";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { isProjectPermission, PROJECT_PERMISSION_MATRIX } from "@/lib/services/authz/project-roles";
import { listRobots } from "@/lib/services/robots/robots";
import { ZConsolePaging } from "@/lib/validation/pagination";
import { isRobotGrantable } from "@/lib/validation/robots";
import { EmptyRow, Table } from "@/components/ui/table";

export const generateMetadata = projectPageMetadata("Robot accounts");

export default async function RobotsPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const sp = await searchParams;
  const { page, pageSize } = ZConsolePaging.parse(sp);
  const actor = await getActor();
  const outcome = await attempt(() => listRobots({ actor, projectId: project.value.id, page, pageSize }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const can = new Set(project.value.viewerPermissions);
  // The grid offers only what the viewer holds: a robot never gets more than its creator.
  const grid = PROJECT_PERMISSION_MATRIX.map((row) => ({
    resource: row.resource,
    actions: row.actions.filter((a) => {
      const permission = `${row.resource}:${a}`;
      return isProjectPermission(permission) && can.has(permission) && isRobotGrantable(permission);
    }),
  })).filter((row) => row.actions.length > 0);
  const { rows, total } = outcome.value;
  return (
    <div className="space-y-6">
      {can.has("robot:create") && <CreateRobotForm projectId={project.value.id} projectName={project.value.name} grid={grid} />}
      <Table testId="robots-table" columns={["Name", "Permissions", "Expires", "Status", { label: "Actions", srOnly: true }]}>
        {rows.map((robot) => (
          <RobotRow
            key={robot.id}
            projectId={project.value.id}
            robot={{
              id: robot.id,
              name: robot.name,
              description: robot.description,
              disabled: robot.disabled,
              expiresAt: robot.expiresAt?.toISOString() ?? null,
              permissions: robot.permissions.map((p) => `${p.resource}:${p.action}`),
            }}
            canManage={can.has("robot:update") && can.has("robot:delete")}
          />
        ))}
        {rows.length === 0 && (
          <EmptyRow colSpan={5}>No robot accounts. Robots let CI systems push and pull without a person&apos;s password.</EmptyRow>
        )}
      </Table>
      <Pagination basePath={`/projects/${project.value.id}/robots`} params={{}} page={page} pageSize={pageSize} total={total} />
    </div>
  );
}
