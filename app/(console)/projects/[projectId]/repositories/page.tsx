import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { formatTime, repositoryHref } from "@/app/(console)/projects/[projectId]/repositories/format";
import { SearchBox } from "@/components/data-table/search-box";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { listRepositories } from "@/lib/services/repositories/list-repositories";
import { type RepositorySort, ZRepositoryListQuery } from "@/lib/validation/repositories";

export const generateMetadata = projectPageMetadata("repositories");

const SORTS: RepositorySort[] = ["name", "artifacts", "pulls", "lastPush"];

export default async function RepositoriesPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null; // the layout shows the refusal
  const query = ZRepositoryListQuery.parse(await searchParams);
  const actor = await getActor();
  const outcome = await attempt(() => listRepositories({ actor, projectId: project.value.id, ...query }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  const base = `/projects/${project.value.id}/repositories`;
  const t = await getTranslations("repositories");
  const sortHref = (sort: RepositorySort) => {
    const search = new URLSearchParams({ sort });
    if (query.q) search.set("q", query.q);
    return `${base}?${search.toString()}`;
  };
  return (
    <>
      <div className="mb-4 flex flex-wrap items-center justify-between gap-4">
        <SearchBox placeholder={t("filterPlaceholder")} initialValue={query.q ?? ""} label={t("filterLabel")} />
        <nav aria-label={t("sortLabel")} className="flex flex-wrap gap-2 text-sm">
          <span className="text-slate-500">{t("sort")}</span>
          {SORTS.map((s) => (
            <Link
              key={s}
              href={sortHref(s)}
              aria-current={query.sort === s ? "true" : undefined}
              className={query.sort === s ? "font-semibold text-slate-900" : "text-sky-800 hover:underline"}
            >
              {t(`sorts.${s}`)}
            </Link>
          ))}
        </nav>
      </div>
      <Table testId="repositories-table" columns={[t("columns.name"), t("columns.artifacts"), t("columns.pulls"), t("columns.lastPush")]}>
        {rows.map((r) => (
          <tr key={r.id} data-testid={`repository-${r.name}`}>
            <td className="px-4 py-2.5 font-mono text-xs">
              <Link href={repositoryHref(project.value.id, r.name)} className="text-sky-800 hover:underline">
                {r.name}
              </Link>
            </td>
            <td className="px-4 py-2.5">{r.artifactCount}</td>
            <td className="px-4 py-2.5">{r.pullCount.toString()}</td>
            <td className="px-4 py-2.5 text-slate-600">{formatTime(r.lastPush)}</td>
          </tr>
        ))}
        {rows.length === 0 && (
          <EmptyRow colSpan={4}>{query.q ? t("noMatch") : t("empty")}</EmptyRow>
        )}
      </Table>
      <Pagination basePath={base} params={{ q: query.q, sort: query.sort }} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
