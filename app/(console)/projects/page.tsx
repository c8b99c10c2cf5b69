import Link from "next/link";
import { SearchBox } from "@/components/data-table/search-box";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { requireUserActor } from "@/lib/auth/session";
import { getServerEnv } from "@/lib/env";
import { projectRoleLabel } from "@/lib/services/authz/project-roles";
import { canCreateProjects } from "@/lib/services/projects/can-create-projects";
import { listProjects } from "@/lib/services/projects/list-projects";
import { ZListProjectsQuery } from "@/lib/validation/projects";
import { EmptyRow, Table } from "@/components/ui/table";
import { formatDate } from "@/lib/format/datetime";

export const metadata = { title: "Projects" };

const VISIBILITY = [
  { value: "all", label: "All" },
  { value: "public", label: "Public" },
  { value: "private", label: "Private" },
] as const;

export default async function ProjectsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requireUserActor();
  const query = ZListProjectsQuery.parse(await searchParams);
  const [{ rows, total, page, pageSize }, mayCreate] = await Promise.all([listProjects({ actor, query }), canCreateProjects(actor)]);
  const filtered = Boolean(query.q) || query.visibility !== "all";

  if (total === 0 && !filtered) return <FirstRun mayCreate={mayCreate} isAdmin={actor.isAdmin} />;

  return (
    <>
      <PageHeader
        title="Projects"
        description="Projects group repositories and decide who may push and pull them."
        actions={
          mayCreate ? (
            <Link href="/projects/new" prefetch={false} className={buttonClass()}>
              New project
            </Link>
          ) : undefined
        }
      />
      <div className="flex flex-wrap items-center gap-4">
        <SearchBox placeholder="Search projects" initialValue={query.q ?? ""} label="Search projects" />
        <nav aria-label="Visibility" className="flex gap-1 text-sm">
          {VISIBILITY.map((v) => {
            const params = new URLSearchParams();
            if (query.q) params.set("q", query.q);
            if (v.value !== "all") params.set("visibility", v.value);
            return (
              <Link
                key={v.value}
                href={`/projects?${params.toString()}`}
                prefetch={false}
                aria-current={query.visibility === v.value ? "page" : undefined}
                className={`rounded-md px-3 py-1.5 ${query.visibility === v.value ? "bg-slate-800 text-white" : "border border-slate-300 bg-white hover:bg-slate-100"}`}
              >
                {v.label}
              </Link>
            );
          })}
        </nav>
      </div>
      <div className="mt-4">
        <Table testId="projects-table" columns={["Name", "Access level", "Your role", "Repositories", "Created"]}>
          {rows.map((p) => (
            <tr key={p.id} className="hover:bg-slate-50">
              <td className="px-4 py-2.5 font-medium">
                <Link href={`/projects/${p.id}`} prefetch={false} className="text-sky-800 hover:underline">
                  {p.name}
                </Link>
              </td>
              <td className="px-4 py-2.5">{p.isPublic ? <Badge tone="info">Public</Badge> : <Badge>Private</Badge>}</td>
              <td className="px-4 py-2.5">
                {p.viewerRoleId ? projectRoleLabel(p.viewerRoleId) : <span className="text-slate-500">—</span>}
              </td>
              <td className="px-4 py-2.5">{p.repositoryCount}</td>
              <td className="px-4 py-2.5 whitespace-nowrap text-slate-600">{formatDate(p.createdAt)}</td>
            </tr>
          ))}
          {rows.length === 0 && <EmptyRow colSpan={5}>No project matches these filters.</EmptyRow>}
        </Table>
      </div>
      <Pagination
        basePath="/projects"
        params={{ q: query.q, visibility: query.visibility === "all" ? undefined : query.visibility }}
        page={page}
        pageSize={pageSize}
        total={total}
      />
    </>
  );
}

/** What a new administrator (or a user with no projects yet) sees first. */
function FirstRun({ mayCreate, isAdmin }: { mayCreate: boolean; isAdmin: boolean }) {
  const registryHost = new URL(getServerEnv().externalUrl).host;
  return (
    <>
      <PageHeader title="Projects" description="Projects group repositories and decide who may push and pull them." />
      <section className="rounded-lg border border-dashed border-slate-300 bg-white p-8" data-testid="projects-empty-state">
        <h2 className="text-lg font-semibold">No projects yet</h2>
        <ol className="mt-4 list-decimal space-y-2 pl-5 text-sm text-slate-700">
          {mayCreate && (
            <li>
              <Link href="/projects/new" prefetch={false} className="text-sky-800 underline">
                Create a project
              </Link>
              : a namespace such as <code className="font-mono text-xs">team-a</code> for your team&apos;s repositories.
            </li>
          )}
          {isAdmin && (
            <li>
              <Link href="/admin/users/new" prefetch={false} className="text-sky-800 underline">
                Create accounts
              </Link>{" "}
              for the people who will push and pull images, then add them to the project with a role.
            </li>
          )}
          {isAdmin && (
            <li>
              Check{" "}
              <Link href="/admin/health" prefetch={false} className="text-sky-800 underline">
                System health
              </Link>
              : the database and the registry should both be healthy.
            </li>
          )}
          {!mayCreate && <li>Ask a project admin to add you to a project.</li>}
          <li>
            Push with the same address as this console:{" "}
            <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">skopeo login {registryHost}</code>
          </li>
        </ol>
      </section>
    </>
  );
}
