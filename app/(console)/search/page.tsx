import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { repositoryHref } from "@/app/(console)/projects/[projectId]/repositories/format";
import { SearchBox } from "@/components/data-table/search-box";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { EmptyRow, Table } from "@/components/ui/table";
import { requireUserActor } from "@/lib/auth/session";
import { searchPage, type SearchKind } from "@/lib/services/search/search";
import { CONSOLE_DEFAULT_PAGE_SIZE } from "@/lib/validation/pagination";
import { ZSearchPageQuery } from "@/lib/validation/search";

export async function generateMetadata() {
  return { title: (await getTranslations("searchPage"))("title") };
}

const KINDS: SearchKind[] = ["projects", "repositories"];

/**
 * Every match of the header search (Enter with no suggestion chosen), one kind at a time, paged in
 * Postgres. What the user may see is decided by the search service, as for the suggestions.
 */
export default async function SearchPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requireUserActor();
  const query = ZSearchPageQuery.parse(await searchParams);
  const q = query.q ?? "";
  const paging = { page: query.page, pageSize: query.pageSize };
  let result = await searchPage({ actor, q, kind: query.kind ?? "projects", ...paging });
  // No kind in the URL (the header's Enter): open on repositories when only they match.
  if (!query.kind && result.totals.projects === 0 && result.totals.repositories > 0) {
    result = await searchPage({ actor, q, kind: "repositories", ...paging });
  }
  const kind = result.kind;
  const t = await getTranslations("searchPage");
  const tp = await getTranslations("project");
  const href = (k: SearchKind) => `/search?${new URLSearchParams({ q, kind: k }).toString()}`;

  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <SearchBox placeholder={t("placeholder")} initialValue={q} label={t("label")} />
      {q ? (
        <>
          <nav aria-label={t("kinds")} className="mt-4 flex flex-wrap gap-1 text-sm">
            {KINDS.map((k) => (
              <Link
                key={k}
                href={href(k)}
                prefetch={false}
                aria-current={kind === k ? "page" : undefined}
                className={`rounded-md px-3 py-1.5 ${kind === k ? "bg-slate-800 text-white" : "border border-slate-300 bg-white hover:bg-slate-100"}`}
                data-testid={`search-kind-${k}`}
              >
                {t(`kind.${k}`, { count: result.totals[k] })}
              </Link>
            ))}
          </nav>
          <div className="mt-4">
            {kind === "projects" ? (
              <Table testId="search-projects" columns={[t("columns.name"), t("columns.access"), t("columns.role"), t("columns.repositories")]}>
                {result.projects.map((p) => (
                  <tr key={p.id} className="hover:bg-slate-50">
                    <td className="px-4 py-2.5 font-medium break-all">
                      <Link href={`/projects/${p.id}`} prefetch={false} className="text-sky-800 hover:underline">
                        {p.name}
                      </Link>
                    </td>
                    <td className="px-4 py-2.5">{p.isPublic ? <Badge tone="info">{tp("public")}</Badge> : <Badge>{tp("private")}</Badge>}</td>
                    <td className="px-4 py-2.5">{p.viewerRoleId ? tp(`roles.r${p.viewerRoleId}`) : <span className="text-slate-500">—</span>}</td>
                    <td className="px-4 py-2.5">{p.repositoryCount}</td>
                  </tr>
                ))}
                {result.projects.length === 0 && <EmptyRow colSpan={4}>{t("noProject", { q })}</EmptyRow>}
              </Table>
            ) : (
              <Table testId="search-repositories" columns={[t("columns.name"), t("columns.project"), t("columns.artifacts"), t("columns.pulls")]}>
                {result.repositories.map((r) => (
                  <tr key={r.name} className="hover:bg-slate-50">
                    <td className="px-4 py-2.5 font-medium break-all">
                      <Link href={repositoryHref(r.projectId, r.name)} prefetch={false} className="text-sky-800 hover:underline">
                        {r.name}
                      </Link>
                    </td>
                    <td className="px-4 py-2.5 break-all">
                      <Link href={`/projects/${r.projectId}`} prefetch={false} className="text-sky-800 hover:underline">
                        {r.projectName}
                      </Link>
                    </td>
                    <td className="px-4 py-2.5">{r.artifactCount}</td>
                    <td className="px-4 py-2.5">{r.pullCount.toString()}</td>
                  </tr>
                ))}
                {result.repositories.length === 0 && <EmptyRow colSpan={4}>{t("noRepository", { q })}</EmptyRow>}
              </Table>
            )}
          </div>
          <Pagination
            basePath="/search"
            // A page size chosen in the URL is kept while paging (the default stays out of the links).
            params={{ q, kind, pageSize: query.pageSize === CONSOLE_DEFAULT_PAGE_SIZE ? undefined : String(query.pageSize) }}
            page={result.page} pageSize={result.pageSize} total={result.totals[kind]}
          />
        </>
      ) : (
        <p className="mt-4 text-sm text-slate-600">{t("hint")}</p>
      )}
    </>
  );
}
