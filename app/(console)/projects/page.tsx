import Link from "next/link";
import type { ReactNode } from "react";
import { getTranslations } from "next-intl/server";
import { SearchBox } from "@/components/data-table/search-box";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { requireUserActor } from "@/lib/auth/session";
import { getServerEnv } from "@/lib/env";
import { canCreateProjects } from "@/lib/services/projects/can-create-projects";
import { listProjects } from "@/lib/services/projects/list-projects";
import { ZListProjectsQuery } from "@/lib/validation/projects";
import { EmptyRow, Table } from "@/components/ui/table";
import { formatDate } from "@/lib/format/datetime";
import { UsageBar } from "@/components/quota/usage-bar";

export async function generateMetadata() {
  return { title: (await getTranslations("projects"))("title") };
}

const VISIBILITY = ["all", "public", "private"] as const;

export default async function ProjectsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requireUserActor();
  const query = ZListProjectsQuery.parse(await searchParams);
  const [{ rows, total, page, pageSize }, mayCreate] = await Promise.all([listProjects({ actor, query }), canCreateProjects(actor)]);
  const filtered = Boolean(query.q) || query.visibility !== "all";
  const t = await getTranslations("projects");
  const tp = await getTranslations("project");

  if (total === 0 && !filtered) return <FirstRun mayCreate={mayCreate} isAdmin={actor.isAdmin} />;

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          mayCreate ? (
            <Link href="/projects/new" prefetch={false} className={buttonClass()}>
              {t("new")}
            </Link>
          ) : undefined
        }
      />
      <div className="flex flex-wrap items-center gap-4">
        <SearchBox placeholder={t("search")} initialValue={query.q ?? ""} label={t("search")} />
        <nav aria-label={t("visibility")} className="flex gap-1 text-sm">
          {VISIBILITY.map((v) => {
            const params = new URLSearchParams();
            if (query.q) params.set("q", query.q);
            if (v !== "all") params.set("visibility", v);
            return (
              <Link
                key={v}
                href={`/projects?${params.toString()}`}
                prefetch={false}
                aria-current={query.visibility === v ? "page" : undefined}
                className={`rounded-md px-3 py-1.5 ${query.visibility === v ? "bg-slate-800 text-white" : "border border-slate-300 bg-white hover:bg-slate-100"}`}
              >
                {t(`visibilities.${v}`)}
              </Link>
            );
          })}
        </nav>
      </div>
      <div className="mt-4">
        <Table testId="projects-table" columns={[t("columns.name"), t("columns.access"), t("columns.role"), t("columns.repositories"), t("columns.storage"), t("columns.created")]}>
          {rows.map((p) => (
            <tr key={p.id} className="hover:bg-slate-50">
              <td className="px-4 py-2.5 font-medium">
                <Link href={`/projects/${p.id}`} prefetch={false} className="text-sky-800 hover:underline">
                  {p.name}
                </Link>
              </td>
              <td className="px-4 py-2.5">{p.isPublic ? <Badge tone="info">{tp("public")}</Badge> : <Badge>{tp("private")}</Badge>}</td>
              <td className="px-4 py-2.5">
                {p.viewerRoleId ? tp(`roles.r${p.viewerRoleId}`) : <span className="text-slate-500">—</span>}
              </td>
              <td className="px-4 py-2.5">{p.repositoryCount}</td>
              <td className="px-4 py-2.5">
                <UsageBar used={p.storageUsed} limit={p.storageLimit} name={p.name} compact />
              </td>
              <td className="px-4 py-2.5 whitespace-nowrap text-slate-600">{formatDate(p.createdAt)}</td>
            </tr>
          ))}
          {rows.length === 0 && <EmptyRow colSpan={6}>{t("noMatch")}</EmptyRow>}
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
async function FirstRun({ mayCreate, isAdmin }: { mayCreate: boolean; isAdmin: boolean }) {
  const registryHost = new URL(getServerEnv().externalUrl).host;
  const t = await getTranslations("projects");
  const link = (href: string) =>
    function FirstRunLink(chunks: ReactNode) {
      return (
        <Link href={href} prefetch={false} className="text-sky-800 underline">
          {chunks}
        </Link>
      );
    };
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <section className="rounded-lg border border-dashed border-slate-300 bg-white p-8" data-testid="projects-empty-state">
        <h2 className="text-lg font-semibold">{t("firstRun.heading")}</h2>
        <ol className="mt-4 list-decimal space-y-2 pl-5 text-sm text-slate-700">
          {mayCreate && (
            <li>{t.rich("firstRun.create", { link: link("/projects/new"), code: (chunks) => <code className="font-mono text-xs">{chunks}</code> })}</li>
          )}
          {isAdmin && (
            <li>{t.rich("firstRun.accounts", { link: link("/admin/users/new") })}</li>
          )}
          {isAdmin && (
            <li>{t.rich("firstRun.health", { link: link("/admin/health") })}</li>
          )}
          {!mayCreate && <li>{t("firstRun.askAdmin")}</li>}
          <li>
            {t("firstRun.push")}{" "}
            <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">skopeo login {registryHost}</code>
          </li>
        </ol>
      </section>
    </>
  );
}
