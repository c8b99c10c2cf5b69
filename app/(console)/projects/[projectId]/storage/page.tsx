import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { repositoryHref, shortDigest, artifactHref } from "@/app/(console)/projects/[projectId]/repositories/format";
import { UsageBar } from "@/components/quota/usage-bar";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { formatBytes } from "@/lib/format/bytes";
import { projectStorage } from "@/lib/services/quotas/storage";
import { ZConsolePaging } from "@/lib/validation/pagination";

export const generateMetadata = projectPageMetadata("storage");

/**
 * Where the project's space goes: its usage against its limit, what it shares with other projects,
 * its repositories largest first (a page at a time) with the bytes each shares with other
 * repositories and the bytes only it holds (what deleting it would free), and its largest artifacts.
 */
export default async function ProjectStoragePage({
  params,
  searchParams,
}: {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const p = project.value;
  const paging = ZConsolePaging.parse(await searchParams);
  const outcome = await attempt(async () => projectStorage({ actor: await getActor(), projectId: p.id, page: paging.page, pageSize: paging.pageSize }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const s = outcome.value;
  const t = await getTranslations("storage");
  return (
    <div className="space-y-6">
      <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="storage-heading">
        <h2 id="storage-heading" className="mb-1 font-semibold">{t("heading")}</h2>
        <p className="mb-4 text-sm text-slate-600">{t("description")}</p>
        <UsageBar used={s.used} limit={s.limit} name={s.projectName} />
        <dl className="mt-4 grid grid-cols-[14rem_minmax(0,1fr)] gap-y-2 text-sm">
          <dt className="text-slate-500">{t("sharedWithProjects")}</dt>
          <dd data-testid="project-shared">{formatBytes(s.sharedBytes)}</dd>
          <dt className="text-slate-500">{t("uniqueToProject")}</dt>
          <dd data-testid="project-unique">{formatBytes(s.uniqueBytes)}</dd>
        </dl>
        {s.pendingArtifacts > 0 && <p className="mt-3 text-sm text-amber-800">{t("pending", { count: s.pendingArtifacts })}</p>}
      </section>
      <section aria-labelledby="repositories-storage-heading">
        <h2 id="repositories-storage-heading" className="mb-2 font-semibold">{t("repositories")}</h2>
        <Table testId="storage-repositories" columns={[t("columns.repository"), t("columns.artifacts"), t("columns.total"), t("columns.shared"), t("columns.unique")]}>
          {s.repositories.rows.map((r) => (
            <tr key={r.id}>
              <td className="px-4 py-2.5 font-medium">
                <Link href={repositoryHref(p.id, r.name)} prefetch={false} className="text-sky-800 hover:underline">
                  {r.name}
                </Link>
              </td>
              <td className="px-4 py-2.5">{r.artifacts}</td>
              <td className="px-4 py-2.5 whitespace-nowrap">{formatBytes(r.totalBytes)}</td>
              <td className="px-4 py-2.5 whitespace-nowrap">{formatBytes(r.sharedBytes)}</td>
              <td className="px-4 py-2.5 whitespace-nowrap">{formatBytes(r.uniqueBytes)}</td>
            </tr>
          ))}
          {s.repositories.rows.length === 0 && <EmptyRow colSpan={5}>{t("noRepositories")}</EmptyRow>}
        </Table>
        <Pagination basePath={`/projects/${p.id}/storage`} params={{}} page={paging.page} pageSize={paging.pageSize} total={s.repositories.total} />
      </section>
      <section aria-labelledby="largest-artifacts-heading">
        <h2 id="largest-artifacts-heading" className="mb-2 font-semibold">{t("largestArtifacts")}</h2>
        <Table testId="storage-largest-artifacts" columns={[t("columns.artifact"), t("columns.size")]}>
          {s.largestArtifacts.map((a) => (
            <tr key={a.id}>
              <td className="px-4 py-2.5">
                <Link href={artifactHref(p.id, a.repository, a.digest)} prefetch={false} className="font-mono text-xs text-sky-800 hover:underline">
                  {a.repository}@{shortDigest(a.digest)}
                </Link>
              </td>
              <td className="px-4 py-2.5 whitespace-nowrap">{formatBytes(a.totalSize)}</td>
            </tr>
          ))}
          {s.largestArtifacts.length === 0 && <EmptyRow colSpan={2}>{t("noArtifacts")}</EmptyRow>}
        </Table>
      </section>
    </div>
  );
}
