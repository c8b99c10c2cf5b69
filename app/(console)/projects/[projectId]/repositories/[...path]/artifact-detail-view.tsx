import Link from "next/link";
import { getTranslations } from "next-intl/server";
import type { ReactNode } from "react";
import { archiveHref, ArtifactDownloadMenu, childPlatforms } from "@/components/artifact-archive/download-link";
import { ArtifactLabels } from "@/app/(console)/projects/[projectId]/repositories/[...path]/artifact-labels";
import { CopyArtifactForm } from "@/app/(console)/projects/[projectId]/repositories/[...path]/copy-artifact-form";
import { StopScanControl } from "@/app/(console)/projects/[projectId]/repositories/[...path]/stop-scan-control";
import { VulnerabilitiesSection } from "@/app/(console)/projects/[projectId]/repositories/[...path]/vulnerabilities-section";
import { deleteArtifactAction, deleteTagAction } from "@/app/(console)/projects/[projectId]/repositories/actions";
import { artifactHref, formatSize, formatTime, platformLabel, repositoryHref, shortDigest } from "@/app/(console)/projects/[projectId]/repositories/format";
import { AddTagForm, ConfirmDeleteForm, PullCommand } from "@/app/(console)/projects/[projectId]/repositories/repository-forms";
import { Badge } from "@/components/ui/badge";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { getServerEnv } from "@/lib/env";
import { RegistryUnavailableError } from "@/lib/registry/errors";
import type { ProjectDetail } from "@/lib/services/projects/project-dto";
import { listAttachableLabels } from "@/lib/services/labels/labels";
import { listCopyTargetProjects } from "@/lib/services/repositories/copy-artifact";
import { getArtifact } from "@/lib/services/repositories/get-artifact";
import { ZArtifactDetailQuery } from "@/lib/validation/repositories";

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="mb-6">
      <h3 id={id} className="mb-2 font-semibold">
        {title}
      </h3>
      {children}
    </section>
  );
}

function RegistryUnavailableNotice({ title, text }: { title: string; text: string }) {
  return (
    <div role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-6" data-testid="registry-unavailable">
      <h1 className="text-lg font-semibold text-amber-900">{title}</h1>
      <p className="mt-1 text-sm text-amber-900">{text}</p>
    </div>
  );
}

export async function ArtifactDetailView({
  project,
  repository,
  reference,
  searchParams,
}: {
  project: ProjectDetail;
  repository: string;
  reference: string;
  searchParams: Record<string, string | string[] | undefined>;
}) {
  const { page: tagPage } = ZArtifactDetailQuery.parse(searchParams);
  const actor = await getActor();
  const t = await getTranslations("artifact");
  let outcome;
  try {
    outcome = await attempt(() => getArtifact({ actor, repository, reference, projectId: project.id, tagPage }));
  } catch (error) {
    // The page reads the manifest and config from the registry: while it is down, say so.
    if (error instanceof RegistryUnavailableError) return <RegistryUnavailableNotice title={t("unavailableTitle")} text={t("unavailableText")} />;
    throw error;
  }
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const a = outcome.value;
  const can = new Set(a.viewerPermissions);
  const host = new URL(getServerEnv().externalUrl).host;
  const self = artifactHref(project.id, repository, a.digest);
  const annotations = Object.entries(a.annotations);
  const platform = platformLabel(a);
  const shownTags = a.tags.rows.map((tag) => tag.name);
  const tl = await getTranslations("artifacts");
  // Copying needs pull here and artifact create in the target; only the targets are listed.
  const copyTargets = can.has("repository:pull") ? await listCopyTargetProjects({ actor }) : null;
  // A signature, SBOM or other accessory is about its subject: image-only parts (platform,
  // layers, build history, config dates) say nothing useful about it and are not shown.
  const isAccessory = a.subject !== null || a.accessoryType !== null;
  const kind = t(`accessory.${a.accessoryType ?? "other"}`);
  const canAddLabel = can.has("artifact-label:create");
  // The picker's choices: global labels and the project's, less those already on it.
  const attachable = canAddLabel ? await attempt(() => listAttachableLabels({ actor, project: { id: project.id, name: project.name, isPublic: project.isPublic } })) : null;
  const pickerLabel = (l: { id: number; name: string; color: string; description: string; scope: "g" | "p" }) => ({ id: l.id, name: l.name, color: l.color, description: l.description, scope: l.scope });
  const tlab = await getTranslations("labels");

  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={repositoryHref(project.id, repository)} className="text-sky-800 hover:underline">
          ← {repository}
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h2 className="font-mono text-lg font-semibold break-all" data-testid="artifact-digest" title={a.digest}>
            {repository}@{shortDigest(a.digest)}
          </h2>
          {isAccessory && (
            <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-700" data-testid="accessory-subject">
              <Badge tone={a.accessoryType === "signature" ? "good" : "neutral"}>{kind}</Badge>
              <span>{t("of")}</span>
              {a.subject?.indexed ? (
                <Link href={artifactHref(project.id, repository, a.subject.digest)} prefetch={false} className="font-mono text-xs break-all text-sky-800 hover:underline" title={a.subject.digest}>
                  {repository}@{shortDigest(a.subject.digest)}
                  {a.subject.tags.length > 0 && ` (${a.subject.tags.join(", ")})`}
                </Link>
              ) : a.subject ? (
                <span className="font-mono text-xs break-all" title={t("notIndexed", { digest: a.subject.digest })}>
                  {t("notPushed", { name: `${repository}@${shortDigest(a.subject.digest)}` })}
                </span>
              ) : (
                <span>{t("unknownSubject")}</span>
              )}
            </p>
          )}
        </div>
        <div className="flex flex-wrap items-start gap-2">
          {can.has("repository:pull") && <ArtifactDownloadMenu href={archiveHref(repository, reference, "download")} platforms={childPlatforms(a.children)} isIndex={a.isIndex} />}
          {copyTargets && (
            <CopyArtifactForm
              from={`${repository}@${a.digest}`}
              targets={copyTargets}
              defaultProject={project.name}
              defaultRepository={repository.slice(project.name.length + 1)}
              defaultTag={a.digest === reference ? (shownTags[0] ?? "") : reference}
              initiallyOpen={searchParams.copy === "1"}
              accessoryCount={a.accessories.length}
            />
          )}
          {can.has("artifact:delete") && (
            <ConfirmDeleteForm
              action={deleteArtifactAction}
              fields={{ projectId: project.id, repository, digest: a.digest, from: "detail" }}
              confirmText={
                a.tags.total > 0
                  ? tl("deleteTagged", { name: `${repository}@${a.digest}`, count: a.tags.total, tags: shownTags.join(", ") + (a.tags.total > shownTags.length ? ", …" : "") })
                  : tl("deleteUntagged", { name: `${repository}@${a.digest}` })
              }
              label={t("deleteArtifact")}
            />
          )}
        </div>
      </div>

      <Section id="overview-heading" title={t("overview")}>
        <dl className="grid grid-cols-1 gap-y-1.5 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-[10rem_minmax(0,1fr)]" data-testid="artifact-overview">
          <dt className="text-slate-500">{t("digest")}</dt>
          <dd className="font-mono text-xs break-all">{a.digest}</dd>
          <dt className="text-slate-500">{t("mediaType")}</dt>
          <dd className="font-mono text-xs break-all">{a.mediaType}</dd>
          <dt className="text-slate-500">{t("artifactType")}</dt>
          <dd className="font-mono text-xs break-all">{a.artifactType ?? "—"}</dd>
          <dt className="text-slate-500">{t("size")}</dt>
          <dd>{t("sizeValue", { size: formatSize(a.totalSize), manifest: formatSize(a.manifestSize) })}</dd>
          {!isAccessory && (
            <>
              <dt className="text-slate-500">{t("created")}</dt>
              <dd>{formatTime(a.created)}</dd>
              <dt className="text-slate-500">{t("author")}</dt>
              <dd className="break-words">{a.author ?? "—"}</dd>
            </>
          )}
          {!a.isIndex && !isAccessory && (
            <>
              <dt className="text-slate-500">{t("platform")}</dt>
              <dd>{platform}</dd>
            </>
          )}
          <dt className="text-slate-500">{t("pushed")}</dt>
          <dd>{formatTime(a.pushedAt)}</dd>
          <dt className="text-slate-500">{t("pulled")}</dt>
          <dd>{formatTime(a.pulledAt)}</dd>
          <dt className="text-slate-500">{t("pullByDigest")}</dt>
          <dd>
            <PullCommand label={t("pullByDigestLabel")} command={`docker pull ${host}/${repository}@${a.digest}`} />
          </dd>
        </dl>
        {annotations.length > 0 && (
          <div className="mt-3">
            <Table testId="annotations-table" columns={[t("annotation"), t("value")]}>
              {annotations.map(([k, v]) => (
                <tr key={k}>
                  <td className="px-4 py-2 font-mono text-xs [overflow-wrap:anywhere]">{k}</td>
                  <td className="px-4 py-2 text-xs break-all">{v}</td>
                </tr>
              ))}
            </Table>
          </div>
        )}
      </Section>

      <Section id="labels-heading" title={tlab("sectionTitle")}>
        <ArtifactLabels
          target={{ projectId: project.id, repository, digest: a.digest }}
          attached={a.labels.map(pickerLabel)}
          available={attachable?.ok ? attachable.value.filter((l) => !a.labels.some((x) => x.id === l.id)).map(pickerLabel) : []}
          canAdd={canAddLabel && Boolean(attachable?.ok)}
          canRemove={can.has("artifact-label:delete")}
        />
      </Section>

      <Section id="tags-heading" title={t("tags", { count: a.tags.total })}>
        <Table
          testId="tags-table"
          container
          columns={[
            t("tag"),
            { label: t("pullCommand"), className: "hidden @3xl:table-cell" },
            { label: t("pushed"), className: "hidden @4xl:table-cell" },
            { label: t("pulled"), className: "hidden @6xl:table-cell" },
            { label: t("actions"), srOnly: true },
          ]}
        >
          {a.tags.rows.map((tag) => (
            <tr key={tag.name} data-testid={`tag-${tag.name}`}>
              <td className="px-4 py-2.5 font-mono text-xs [overflow-wrap:anywhere]">{tag.name}</td>
              <td className="hidden px-4 py-2.5 @3xl:table-cell">
                <div className="w-[24rem] max-w-full">
                  <PullCommand label={t("pullCommandOfTag", { tag: tag.name })} command={`docker pull ${host}/${repository}:${tag.name}`} />
                </div>
              </td>
              <td className="hidden px-4 py-2.5 whitespace-nowrap text-slate-600 @4xl:table-cell">{formatTime(tag.pushedAt)}</td>
              <td className="hidden px-4 py-2.5 whitespace-nowrap text-slate-600 @6xl:table-cell">{formatTime(tag.pulledAt)}</td>
              <td className="px-4 py-2.5 text-right [&_button]:[overflow-wrap:anywhere]">
                {can.has("tag:delete") && (
                  <ConfirmDeleteForm
                    action={deleteTagAction}
                    fields={{ projectId: project.id, repository, tag: tag.name }}
                    confirmText={t("deleteTagText", { name: `${repository}:${tag.name}`, digest: shortDigest(a.digest) })}
                    label={t("deleteTag", { tag: tag.name })}
                    testId={`delete-tag-${tag.name}`}
                  />
                )}
              </td>
            </tr>
          ))}
          {a.tags.rows.length === 0 && <EmptyRow colSpan={5}>{t("noTags")}</EmptyRow>}
        </Table>
        {a.tags.total > a.tags.pageSize && (
          <Pagination basePath={self} params={{}} page={a.tags.page} pageSize={a.tags.pageSize} total={a.tags.total} />
        )}
        {can.has("tag:create") && <AddTagForm projectId={project.id} repository={repository} digest={a.digest} />}
      </Section>

      {!isAccessory && (
        <Section id="vulnerabilities-heading" title={t("vulnerabilities")}>
          {can.has("scan:stop") && <StopScanControl actor={actor} projectId={project.id} repository={repository} digest={a.digest} />}
          <VulnerabilitiesSection
            actor={actor}
            projectId={project.id}
            repository={repository}
            digest={a.digest}
            self={self}
            canScan={can.has("scan:create")}
            searchParams={searchParams}
          />
        </Section>
      )}

      {a.isIndex && (
        <Section id="children-heading" title={t("children")}>
          <Table testId="children-table" columns={[t("artifactColumn"), t("platformColumn"), t("osVersion")]}>
            {a.children.map((c) => (
              <tr key={c.digest}>
                <td className="px-4 py-2.5 font-mono text-xs">
                  {c.indexed ? (
                    <Link href={artifactHref(project.id, repository, c.digest)} className="text-sky-800 hover:underline" title={c.digest}>
                      {shortDigest(c.digest)}
                    </Link>
                  ) : (
                    <span title={t("childNotIndexed", { digest: c.digest })}>{shortDigest(c.digest)}</span>
                  )}
                </td>
                <td className="px-4 py-2.5 text-xs">{platformLabel(c)}</td>
                <td className="px-4 py-2.5 text-xs">{c.osVersion ?? "—"}</td>
              </tr>
            ))}
            {a.children.length === 0 && <EmptyRow colSpan={3}>{t("noChildren")}</EmptyRow>}
          </Table>
        </Section>
      )}

      {!a.isIndex && !isAccessory && (
        <Section id="layers-heading" title={t("layers", { count: a.layers.length })}>
          <Table testId="layers-table" columns={["#", t("digest"), t("mediaType"), t("size")]}>
            {a.layers.map((l, i) => (
              <tr key={`${i}-${l.digest}`}>
                <td className="px-4 py-2 text-xs">{i + 1}</td>
                <td className="px-4 py-2 font-mono text-xs" title={l.digest}>
                  {shortDigest(l.digest)}
                </td>
                <td className="px-4 py-2 font-mono text-xs [overflow-wrap:anywhere]">{l.mediaType ?? "—"}</td>
                <td className="px-4 py-2 text-xs whitespace-nowrap">{formatSize(l.size)}</td>
              </tr>
            ))}
            {a.layers.length === 0 && <EmptyRow colSpan={4}>{t("noLayers")}</EmptyRow>}
          </Table>
        </Section>
      )}

      {!a.isIndex && !isAccessory && (
        <Section id="history-heading" title={t("history")}>
          <Table testId="history-table" columns={[t("created"), t("command"), t("layer")]}>
            {a.history.map((h, i) => (
              <tr key={i}>
                <td className="px-4 py-2 text-xs whitespace-nowrap">{formatTime(h.created)}</td>
                <td className="px-4 py-2 font-mono text-xs break-all">{h.createdBy ?? h.comment ?? "—"}</td>
                <td className="px-4 py-2 text-xs">{h.emptyLayer ? t("emptyLayer") : t("layerValue")}</td>
              </tr>
            ))}
            {a.history.length === 0 && <EmptyRow colSpan={3}>{t("noHistory")}</EmptyRow>}
          </Table>
        </Section>
      )}

      <Section id="accessories-heading" title={t("accessories", { count: a.accessories.length })}>
        <Table testId="accessories-table" columns={[t("artifactColumn"), t("kind"), t("type"), t("size"), t("pushed")]}>
          {a.accessories.map((x) => (
            <tr key={x.digest}>
              <td className="px-4 py-2.5 font-mono text-xs">
                <Link href={artifactHref(project.id, repository, x.digest)} prefetch={false} className="text-sky-800 hover:underline" title={x.digest}>
                  {shortDigest(x.digest)}
                </Link>
              </td>
              <td className="px-4 py-2.5">
                <Badge tone={x.accessoryType === "signature" ? "good" : "neutral"}>{t(`accessory.${x.accessoryType ?? "other"}`)}</Badge>
              </td>
              <td className="px-4 py-2.5 font-mono text-xs [overflow-wrap:anywhere]">{x.artifactType ?? "—"}</td>
              <td className="px-4 py-2.5 text-xs whitespace-nowrap">{formatSize(x.totalSize)}</td>
              <td className="px-4 py-2.5 text-xs whitespace-nowrap">{formatTime(x.pushedAt)}</td>
            </tr>
          ))}
          {a.accessories.length === 0 && <EmptyRow colSpan={5}>{t("noAccessories")}</EmptyRow>}
        </Table>
      </Section>

      <Section id="manifest-heading" title={t("manifest")}>
        {a.manifestJson ? (
          <pre className="max-h-[32rem] overflow-auto rounded bg-ink-900 p-4 font-mono text-xs text-ink-100" data-testid="manifest-json">
            {a.manifestJson}
          </pre>
        ) : (
          <p className="text-sm text-slate-600">{t("noManifest")}</p>
        )}
      </Section>
    </>
  );
}
