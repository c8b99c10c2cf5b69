import { getTranslations } from "next-intl/server";
import { MirrorForm } from "@/app/(console)/projects/[projectId]/cache/mirror-form";
import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { projectPageMetadata } from "@/app/(console)/projects/[projectId]/project-title";
import { shortDigest } from "@/app/(console)/projects/[projectId]/repositories/format";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { EmptyRow, Table } from "@/components/ui/table";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { getServerEnv } from "@/lib/env";
import { formatBytes } from "@/lib/format/bytes";
import { formatDateTime } from "@/lib/format/datetime";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listProxyFetches } from "@/lib/services/proxy-cache/fetch-log";
import { isRegistryMirror } from "@/lib/services/proxy-cache/mirror";
import { ZConsolePaging } from "@/lib/validation/pagination";

export const generateMetadata = projectPageMetadata("cache");

/**
 * A proxy-cache project's Cache tab: its upstream, how to pull through it (and, as the registry
 * mirror, Docker's daemon.json and podman's registries.conf lines), and every fetch from the
 * upstream, newest first, a page at a time.
 */
export default async function ProjectCachePage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const p = project.value;
  const t = await getTranslations("proxyCache");
  if (!p.proxy) return <p className="text-sm text-slate-600">{t("notProxy")}</p>;
  const paging = ZConsolePaging.parse(await searchParams);
  const actor = await getActor();
  const fetches = await attempt(() => listProxyFetches({ actor, projectName: p.name, page: paging.page, pageSize: paging.pageSize }));
  if (!fetches.ok) return <RefusalNotice error={fetches.error} />;
  const external = new URL(getServerEnv().externalUrl);
  const host = external.host;
  // Over plain HTTP, Docker also needs the address in "insecure-registries", podman `insecure = true`.
  const plainHttp = external.protocol === "http:";
  const mirror = await isRegistryMirror(p.id);
  const official = p.proxy.registryType === "docker-hub" ? "nginx:latest" : "library/nginx:latest";
  return (
    <div className="space-y-6">
      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[repeat(2,minmax(0,1fr))]">
        <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="cache-heading">
          <h2 id="cache-heading" className="mb-4 font-semibold">{t("heading")}</h2>
          <dl className="grid grid-cols-[10rem_minmax(0,1fr)] gap-y-2 text-sm">
            <dt className="text-slate-500">{t("upstream")}</dt>
            <dd className="break-words" data-testid="proxy-upstream">
              {p.proxy.registryName} ({p.proxy.registryUrl})
            </dd>
            <dt className="text-slate-500">{t("cacheDays")}</dt>
            <dd>{t("days", { count: p.proxy.cacheDays })}</dd>
            <dt className="text-slate-500">{t("mirror")}</dt>
            <dd data-testid="proxy-mirror">{mirror ? t("isMirror") : t("notMirror")}</dd>
          </dl>
          <p className="mt-4 text-sm text-slate-600">{t("pullHint")}</p>
          <pre tabIndex={0} aria-label={t("pullCommands")} className="mt-2 overflow-x-auto rounded bg-ink-900 p-4 font-mono text-xs text-ink-100">
            {`docker pull ${host}/${p.name}/${official}\npodman pull ${host}/${p.name}/${official}`}
          </pre>
          {hasSystemPermission(actor, "setting.update") && (
            <div className="mt-4">
              <MirrorForm projectId={p.id} isMirror={mirror} />
            </div>
          )}
        </section>
        {mirror && (
          <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="mirror-heading">
            <h2 id="mirror-heading" className="mb-2 font-semibold">{t("mirrorHeading")}</h2>
            <p className="mb-2 text-sm text-slate-600">{t("daemonJson")}</p>
            <pre tabIndex={0} aria-label="daemon.json" data-testid="daemon-json" className="overflow-x-auto rounded bg-ink-900 p-4 font-mono text-xs text-ink-100">
              {`{\n  "registry-mirrors": ["${external.origin}"]${plainHttp ? `,\n  "insecure-registries": ["${host}"]` : ""}\n}`}
            </pre>
            <p className="mt-4 mb-2 text-sm text-slate-600">{t("registriesConf")}</p>
            <pre tabIndex={0} aria-label="registries.conf" className="overflow-x-auto rounded bg-ink-900 p-4 font-mono text-xs text-ink-100">
              {`[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "${host}"${plainHttp ? "\ninsecure = true" : ""}`}
            </pre>
          </section>
        )}
      </div>
      <section aria-labelledby="fetches-heading">
        <h2 id="fetches-heading" className="mb-2 font-semibold">{t("fetches")}</h2>
        <Table testId="proxy-fetches" columns={[t("columns.time"), t("columns.what"), t("columns.repository"), t("columns.digest"), t("columns.bytes"), t("columns.outcome")]}>
          {fetches.value.rows.map((f) => (
            <tr key={f.id}>
              <td className="px-4 py-2.5 whitespace-nowrap">{formatDateTime(f.createdAt)}</td>
              <td className="px-4 py-2.5">{f.kind === "manifest" ? t("manifest") : t("blob")}</td>
              <td className="max-w-[16rem] truncate px-4 py-2.5" title={`${f.upstreamRepository} (${f.source})`}>
                {f.repository}
                {f.kind === "manifest" && !f.reference.includes(":") ? `:${f.reference}` : ""}
              </td>
              <td className="px-4 py-2.5 font-mono text-xs">{f.digest ? shortDigest(f.digest) : "—"}</td>
              <td className="px-4 py-2.5 whitespace-nowrap">{formatBytes(BigInt(f.bytes))}</td>
              <td className="max-w-[16rem] truncate px-4 py-2.5" title={f.error ?? undefined}>
                {f.outcome === "ok" ? t("ok") : <span className="text-red-700">{t("failed")}</span>}
              </td>
            </tr>
          ))}
          {fetches.value.rows.length === 0 && <EmptyRow colSpan={6}>{t("noFetches")}</EmptyRow>}
        </Table>
        <Pagination basePath={`/projects/${p.id}/cache`} params={{}} page={paging.page} pageSize={paging.pageSize} total={fetches.value.total} />
      </section>
    </div>
  );
}
