import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { listProjectRepositories } from "@/lib/services/projects/list-project-repositories";
import { ZPage, ZPageSize, ZSearchText } from "@/lib/validation/common";
import { z } from "zod";
import { EmptyRow, Table } from "@/components/ui/table";

export const metadata = { title: "Repositories" };

const ZQuery = z.object({ q: ZSearchText, page: ZPage, pageSize: ZPageSize });

export default async function RepositoriesPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const query = ZQuery.parse(await searchParams);
  const actor = await getActor();
  const outcome = await attempt(() => listProjectRepositories({ actor, projectId: project.value.id, ...query }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  return (
    <>
      <Table testId="repositories-table" columns={["Name", "First push", "Last push"]}>
        {rows.map((r) => (
          <tr key={r.id}>
            <td className="px-4 py-2.5 font-mono text-xs">{r.name}</td>
            <td className="px-4 py-2.5 text-slate-600">{r.createdAt.toISOString().slice(0, 16).replace("T", " ")}</td>
            <td className="px-4 py-2.5 text-slate-600">{r.updatedAt.toISOString().slice(0, 16).replace("T", " ")}</td>
          </tr>
        ))}
        {rows.length === 0 && <EmptyRow colSpan={3}>No repositories yet. Push an image to create one (see Summary).</EmptyRow>}
      </Table>
      <Pagination
        basePath={`/projects/${project.value.id}/repositories`}
        params={{ q: query.q }}
        page={page}
        pageSize={pageSize}
        total={total}
      />
    </>
  );
}
