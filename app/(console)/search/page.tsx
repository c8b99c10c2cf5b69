import Link from "next/link";
import { repositoryHref } from "@/app/(console)/projects/[projectId]/repositories/format";
import { SearchBox } from "@/components/data-table/search-box";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { EmptyRow, Table } from "@/components/ui/table";
import { requireUserActor } from "@/lib/auth/session";
import { projectRoleLabel } from "@/lib/services/authz/project-roles";
import { searchPage, type SearchKind } from "@/lib/services/search/search";
import { CONSOLE_DEFAULT_PAGE_SIZE } from "@/lib/validation/pagination";
import { ZSearchPageQuery } from "@/lib/validation/search";

export const metadata = { title: "Search" };

const KINDS: { kind: SearchKind; label: string }[] = [
  { kind: "projects", label: "Projects" },
  { kind: "repositories", label: "Repositories" },
];

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
  const href = (k: SearchKind) => `/search?${new URLSearchParams({ q, kind: k }).toString()}`;

  return (
    <>
      <PageHeader title="Search" description="Projects and repositories you can see whose name contains the text." />
      <SearchBox placeholder="Search projects and repositories" initialValue={q} label="Search text" />
      {q ? (
        <>
          <nav aria-label="Kind of result" className="mt-4 flex flex-wrap gap-1 text-sm">
            {KINDS.map((k) => (
              <Link
                key={k.kind}
                href={href(k.kind)}
                prefetch={false}
                aria-current={kind === k.kind ? "page" : undefined}
                className={`rounded-md px-3 py-1.5 ${kind === k.kind ? "bg-slate-800 text-white" : "border border-slate-300 bg-white hover:bg-slate-100"}`}
                data-testid={`search-kind-${k.kind}`}
              >
                {k.label} ({result.totals[k.kind]})
              </Link>
            ))}
          </nav>
          <div className="mt-4">
            {kind === "projects" ? (
              <Table testId="search-projects" columns={["Name", "Access level", "Your role", "Repositories"]}>
                {result.projects.map((p) => (
                  <tr key={p.id} className="hover:bg-slate-50">
                    <td className="px-4 py-2.5 font-medium break-all">
                      <Link href={`/projects/${p.id}`} prefetch={false} className="text-sky-800 hover:underline">
                        {p.name}
                      </Link>
                    </td>
                    <td className="px-4 py-2.5">{p.isPublic ? <Badge tone="info">Public</Badge> : <Badge>Private</Badge>}</td>
                    <td className="px-4 py-2.5">{p.viewerRoleId ? projectRoleLabel(p.viewerRoleId) : <span className="text-slate-500">—</span>}</td>
                    <td className="px-4 py-2.5">{p.repositoryCount}</td>
                  </tr>
                ))}
                {result.projects.length === 0 && <EmptyRow colSpan={4}>No project matches “{q}”.</EmptyRow>}
              </Table>
            ) : (
              <Table testId="search-repositories" columns={["Name", "Project", "Artifacts", "Pulls"]}>
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
                {result.repositories.length === 0 && <EmptyRow colSpan={4}>No repository matches “{q}”.</EmptyRow>}
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
        <p className="mt-4 text-sm text-slate-600">Type part of a project or repository name. Anywhere in the console, press / or Ctrl+K to search.</p>
      )}
    </>
  );
}
