import { archiveHref } from "@/components/artifact-archive/download-link";
import { ImportArchiveForm } from "@/components/artifact-archive/import-form";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { deleteRepositoryAction } from "@/app/(console)/projects/[projectId]/repositories/actions";
import {
  artifactHref,
  formatSize,
  formatTime,
  formatTimeToSecond,
  platformLabel,
  repositoryHref,
  shortDigest,
} from "@/app/(console)/projects/[projectId]/repositories/format";
import { ArtifactRowActions } from "@/app/(console)/projects/[projectId]/repositories/[...path]/artifact-row-actions";
import { DescriptionMarkdown } from "@/app/(console)/projects/[projectId]/repositories/[...path]/description-markdown";
import { ConfirmDeleteForm, DescriptionForm, PullCommand } from "@/app/(console)/projects/[projectId]/repositories/repository-forms";
import { SearchBox } from "@/components/data-table/search-box";
import { LabelBadge } from "@/components/labels/label-badge";
import { Badge } from "@/components/ui/badge";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { getServerEnv } from "@/lib/env";
import type { ProjectDetail } from "@/lib/services/projects/project-dto";
import { getRepository } from "@/lib/services/repositories/get-repository";
import { listAttachableLabels } from "@/lib/services/labels/labels";
import { listArtifacts } from "@/lib/services/repositories/list-artifacts";
import { suggestedPullTag } from "@/lib/services/repositories/suggested-pull-tag";
import { artifactScanOverviews } from "@/lib/services/scan/security";
import { ScanOverviewCell } from "@/components/scan/scan-overview-cell";
import { CONSOLE_DEFAULT_PAGE_SIZE } from "@/lib/validation/pagination";
import { ZArtifactListQuery } from "@/lib/validation/repositories";

const FILTERS = ["all", "tagged", "untagged"] as const;

function typeLabel(mediaType: string, artifactType: string | null, t: (key: "typeIndex" | "typeImage") => string): string {
  if (/index|manifest\.list/.test(mediaType)) return t("typeIndex");
  if (!artifactType || /image\.config|container\.image/.test(artifactType)) return t("typeImage");
  return artifactType;
}

export async function ArtifactsView({
  project,
  repository,
  searchParams,
}: {
  project: ProjectDetail;
  repository: string;
  searchParams: Record<string, string | string[] | undefined>;
}) {
  const query = ZArtifactListQuery.parse(searchParams);
  const actor = await getActor();
  const repo = await attempt(() => getRepository({ actor, repository, projectId: project.id }));
  if (!repo.ok) return <RefusalNotice error={repo.error} />;
  const list = await attempt(() =>
    listArtifacts({
      actor,
      repository,
      projectId: project.id,
      filter: { tagged: query.tagged, tag: query.q, labelIds: query.label ? [query.label] : [] },
      page: query.page,
      pageSize: query.pageSize,
    }),
  );
  if (!list.ok) return <RefusalNotice error={list.error} />;
  // One query for the page's scan overviews; a viewer who may not read scans sees the list without them.
  const overviews = await attempt(() => artifactScanOverviews({ actor, project: { id: project.id, name: project.name, isPublic: project.isPublic }, artifacts: list.value.rows }));
  const can = new Set(repo.value.viewerPermissions);
  const host = new URL(getServerEnv().externalUrl).host;
  const base = repositoryHref(project.id, repository);
  const { rows, total, page, pageSize } = list.value;
  const filterHref = (tagged: string) => {
    const search = new URLSearchParams({ tagged });
    if (query.q) search.set("q", query.q);
    if (query.label) search.set("label", String(query.label));
    return `${base}?${search.toString()}`;
  };
  // The label filter offers what an artifact here may carry (global and the project's labels); a
  // viewer who may not list labels gets no filter.
  const labels = await attempt(() => listAttachableLabels({ actor, project: { id: project.id, name: project.name, isPublic: project.isPublic } }));
  const tlab = await getTranslations("labels");
  // `latest` when it exists, else the newest push (the service decides; a viewer who may not pull gets no block).
  const suggested = await attempt(() => suggestedPullTag({ actor, repository, projectId: project.id }));
  const t = await getTranslations("artifacts");

  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/projects/${project.id}/repositories`} className="text-sky-800 hover:underline">
          {t("backToRepositories")}
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-start justify-between gap-4">
        <div>
          <h2 className="font-mono text-lg font-semibold" data-testid="repository-name">
            {repository}
          </h2>
          <p className="text-sm text-slate-600">
            {t("stats", { artifacts: repo.value.artifactCount, pulls: Number(repo.value.pullCount), time: formatTime(repo.value.updatedAt) })}
          </p>
        </div>
        {can.has("repository:delete") && (
          <ConfirmDeleteForm
            action={deleteRepositoryAction}
            fields={{ projectId: project.id, repository }}
            confirmText={t("deleteRepositoryText", { repository, count: repo.value.artifactCount })}
            label={t("deleteRepository")}
            testId="delete-repository"
          />
        )}
      </div>

      {can.has("repository:push") && <ImportArchiveForm action={archiveHref(repository, null, "import")} />}
      {/* Compact, so the artifact list starts above the fold at 1280×800; the description follows the list. */}
      {suggested.ok && suggested.value && (
        <section aria-labelledby="pull-heading" className="mb-4 rounded-lg border border-slate-200 bg-white p-3" data-testid="suggested-pull">
          <h3 id="pull-heading" className="mb-2 text-sm font-semibold">
            {t("pull")} <code className="font-mono" data-testid="suggested-tag">{suggested.value}</code>{" "}
            <span className="font-normal text-slate-500">{suggested.value === "latest" ? "" : t("newestPush")}</span>
          </h3>
          <div className="space-y-1.5">
            <PullCommand label={t("dockerPull")} command={`docker pull ${host}/${repository}:${suggested.value}`} />
            <PullCommand label={t("podmanPull")} command={`podman pull ${host}/${repository}:${suggested.value}`} />
          </div>
        </section>
      )}

      <div className="mb-4 flex flex-wrap items-center justify-between gap-4">
        <SearchBox placeholder={t("filterPlaceholder")} initialValue={query.q ?? ""} label={t("filterLabel")} />
        {labels.ok && labels.value.length > 0 && (
          <form method="get" action={base} className="flex items-center gap-2 text-sm" data-testid="label-filter">
            {query.q && <input type="hidden" name="q" value={query.q} />}
            {query.tagged !== "all" && <input type="hidden" name="tagged" value={query.tagged} />}
            <label htmlFor="artifact-label-filter" className="text-slate-700">
              {tlab("filterLabel")}
            </label>
            <select id="artifact-label-filter" name="label" defaultValue={query.label ? String(query.label) : ""} className="rounded-md border border-slate-300 px-2 py-1.5 text-sm">
              <option value="">{tlab("filterAny")}</option>
              {labels.value.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.scope === "g" ? tlab("globalOption", { name: l.name }) : l.name}
                </option>
              ))}
            </select>
            <button type="submit" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-100">
              {tlab("filterApply")}
            </button>
          </form>
        )}
        <nav aria-label={t("filterNav")} className="flex gap-2 text-sm">
          {FILTERS.map((f) => (
            <Link
              key={f}
              href={filterHref(f)}
              aria-current={query.tagged === f ? "true" : undefined}
              className={query.tagged === f ? "font-semibold text-slate-900" : "text-sky-800 hover:underline"}
            >
              {t(`filters.${f}`)}
            </Link>
          ))}
        </nav>
      </div>

      <Table
        testId="artifacts-table"
        container
        columns={[
          t("columns.artifact"),
          t("columns.tags"),
          ...(overviews.ok ? [{ label: t("columns.vulnerabilities"), className: "hidden @xl:table-cell" }] : []),
          { label: t("columns.type"), className: "hidden @5xl:table-cell" },
          // From @5xl (with Type): at 1280 px the Vulnerabilities column takes its place.
          { label: t("columns.platforms"), className: "hidden @5xl:table-cell" },
          { label: t("columns.size"), className: "hidden @3xl:table-cell" },
          { label: t("columns.pushed"), className: "hidden @2xl:table-cell" },
          { label: t("columns.pulled"), className: "hidden @6xl:table-cell" },
          { label: t("columns.actions"), srOnly: true, className: "w-px" },
        ]}
      >
        {rows.map((a) => {
          const tagNames = a.tags.map((tag) => tag.name);
          const href = artifactHref(project.id, repository, a.digest);
          const type = typeLabel(a.mediaType, a.artifactType, t);
          const platforms = a.platforms.map(platformLabel).join(", ") || "—";
          return (
            <tr key={a.id} data-testid={`artifact-${a.digest}`} className="align-top">
              <td className="px-4 py-2.5">
                <Link href={href} prefetch={false} className="font-mono text-xs whitespace-nowrap text-sky-800 hover:underline" title={a.digest}>
                  {shortDigest(a.digest)}
                </Link>
                {a.labels.length > 0 && (
                  <span className="mt-1 flex flex-wrap gap-1" data-testid="artifact-labels">
                    {a.labels.map((l) => (
                      <LabelBadge key={l.id} name={l.name} color={l.color} description={l.description} />
                    ))}
                  </span>
                )}
                {(a.signed || a.sbom) && (
                  <span className="mt-1 flex flex-wrap gap-1" data-testid="accessory-badges">
                    {a.signed && (
                      <Badge tone="good" title={t("hasSignature")}>
                        {t("signed")}
                      </Badge>
                    )}
                    {a.sbom && (
                      <Badge tone="neutral" title={t("hasSbom")}>
                        {t("sbom")}
                      </Badge>
                    )}
                  </span>
                )}
                {/* What the collapsed columns would say, when they are collapsed. */}
                <span className="mt-1 block text-xs whitespace-nowrap text-slate-500 @2xl:hidden">
                  {formatSize(a.totalSize)} · {formatTimeToSecond(a.pushedAt)}
                </span>
                {overviews.ok && (
                  <span className="mt-1 block @xl:hidden">
                    <ScanOverviewCell overview={overviews.value.get(a.id)} />
                  </span>
                )}
              </td>
              <td className="px-4 py-2.5">
                <span className="flex flex-wrap gap-1">
                  {tagNames.map((tag) => (
                    <Badge key={tag} tone="info" className="max-w-[14rem]" title={tag}>
                      {tag}
                    </Badge>
                  ))}
                  {a.tagCount > tagNames.length && <span className="text-xs whitespace-nowrap text-slate-500">{t("moreTags", { count: a.tagCount - tagNames.length })}</span>}
                  {a.tagCount === 0 && <span className="text-xs text-slate-500">{t("untagged")}</span>}
                </span>
              </td>
              {overviews.ok && (
                <td className="hidden px-4 py-2.5 @xl:table-cell" data-testid="scan-overview">
                  <ScanOverviewCell overview={overviews.value.get(a.id)} />
                </td>
              )}
              <td className="hidden px-4 py-2.5 text-xs @5xl:table-cell">
                <span className="block max-w-[12rem] truncate" title={type}>
                  {type}
                </span>
              </td>
              <td className="hidden px-4 py-2.5 text-xs @5xl:table-cell">{platforms}</td>
              <td className="hidden px-4 py-2.5 whitespace-nowrap @3xl:table-cell">{formatSize(a.totalSize)}</td>
              <td className="hidden px-4 py-2.5 whitespace-nowrap text-slate-600 @2xl:table-cell" data-testid="artifact-pushed">
                {formatTimeToSecond(a.pushedAt)}
              </td>
              <td className="hidden px-4 py-2.5 whitespace-nowrap text-slate-600 @6xl:table-cell">{formatTime(a.pulledAt)}</td>
              <td className="px-4 py-2 text-right">
                <ArtifactRowActions
                  projectId={project.id}
                  repository={repository}
                  digest={a.digest}
                  shortName={shortDigest(a.digest)}
                  host={host}
                  artifactHref={href}
                  canCopy={can.has("repository:pull")}
                  canDelete={can.has("artifact:delete")}
                  deleteText={
                    a.tagCount > 0
                      ? t("deleteTagged", { name: `${repository}@${a.digest}`, count: a.tagCount, tags: tagNames.join(", ") + (a.tagCount > tagNames.length ? ", …" : "") })
                      : t("deleteUntagged", { name: `${repository}@${a.digest}` })
                  }
                />
              </td>
            </tr>
          );
        })}
        {rows.length === 0 && <EmptyRow colSpan={overviews.ok ? 9 : 8}>{t("noMatch")}</EmptyRow>}
      </Table>
      <Pagination
        basePath={base}
        params={{ q: query.q, tagged: query.tagged, label: query.label ? String(query.label) : undefined, pageSize: pageSize === CONSOLE_DEFAULT_PAGE_SIZE ? undefined : String(pageSize) }}
        page={page}
        pageSize={pageSize}
        total={total}
        numbered
      />

      <section aria-labelledby="description-heading" className="mt-6 rounded-lg border border-slate-200 bg-white p-4">
        <h3 id="description-heading" className="mb-2 text-sm font-semibold">{t("description")}</h3>
        <DescriptionForm
          projectId={project.id}
          repository={repository}
          description={repo.value.description}
          canEdit={can.has("repository:update")}
          rendered={<DescriptionMarkdown text={repo.value.description} />}
        />
      </section>
    </>
  );
}
