import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { projectTitle } from "@/app/(console)/projects/[projectId]/project-title";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { DashboardView } from "@/components/dashboard/dashboard-view";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { projectDashboard } from "@/lib/services/dashboard/dashboard";
import { getServerEnv } from "@/lib/env";
import { formatDateTime } from "@/lib/format/datetime";
import Link from "next/link";
import { UsageBar } from "@/components/quota/usage-bar";

export async function generateMetadata({ params }: { params: Promise<{ projectId: string }> }): Promise<Metadata> {
  return { title: await projectTitle((await params).projectId, "summary") };
}

export default async function ProjectSummaryPage({ params }: { params: Promise<{ projectId: string }> }) {
  const outcome = await loadProject((await params).projectId);
  if (!outcome.ok) return null; // the layout shows the refusal
  const project = outcome.value;
  const host = new URL(getServerEnv().externalUrl).host;
  // The project's own figures: its traffic, most pulled repositories, and (for those who read its
  // log) its refusals. The service asks again whether the viewer may read the project.
  const dashboard = await attempt(async () => projectDashboard({ actor: await getActor(), projectId: project.id }));
  const t = await getTranslations("summary");
  return (
    <div className="space-y-6">
      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[repeat(2,minmax(0,1fr))]">
        <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="summary-heading">
          <h2 id="summary-heading" className="mb-4 font-semibold">{t("heading")}</h2>
          <dl className="grid grid-cols-[8rem_minmax(0,1fr)] gap-y-2 text-sm">
            <dt className="text-slate-500">{t("access")}</dt>
            <dd>{project.isPublic ? t("public") : t("private")}</dd>
            <dt className="text-slate-500">{t("owner")}</dt>
            <dd>{project.ownerName ?? "—"}</dd>
            <dt className="text-slate-500">{t("repositories")}</dt>
            <dd data-testid="summary-repositories">{project.repositoryCount}</dd>
            <dt className="text-slate-500">{t("members")}</dt>
            <dd>{project.memberCount}</dd>
            <dt className="text-slate-500">{t("created")}</dt>
            <dd>{formatDateTime(project.createdAt)}</dd>
            <dt className="text-slate-500">{t("storage")}</dt>
            <dd>
              <UsageBar used={project.storageUsed} limit={project.storageLimit} name={project.name} />
              <Link href={`/projects/${project.id}/storage`} prefetch={false} className="mt-1 inline-block text-xs text-sky-800 hover:underline">
                {t("whereSpaceGoes")}
              </Link>
            </dd>
          </dl>
        </section>
        {project.proxy ? (
          <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="proxy-heading">
            <h2 id="proxy-heading" className="mb-4 font-semibold">{t("proxyHeading")}</h2>
            <p className="text-sm text-slate-700" data-testid="summary-proxy">
              {t("proxyOf", { registry: `${project.proxy.registryName} (${project.proxy.registryUrl})` })}
            </p>
            <pre tabIndex={0} aria-label={t("pullCommands")} className="mt-3 overflow-x-auto rounded bg-ink-900 p-4 font-mono text-xs text-ink-100">
              {`docker pull ${host}/${project.name}/${project.proxy.registryType === "docker-hub" ? "nginx:latest" : "library/nginx:latest"}`}
            </pre>
            <Link href={`/projects/${project.id}/cache`} prefetch={false} className="mt-3 inline-block text-sm text-sky-800 hover:underline">
              {t("openCache")}
            </Link>
          </section>
        ) : (
          <section className="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="push-heading">
            <h2 id="push-heading" className="mb-4 font-semibold">{t("push")}</h2>
            {/* Scrollable, so keyboard users must be able to focus it to scroll (axe: scrollable-region-focusable). */}
            <pre tabIndex={0} aria-label={t("pushCommands")} data-testid="push-commands" className="overflow-x-auto rounded bg-ink-900 p-4 font-mono text-xs text-ink-100">
              {`skopeo login ${host}\nskopeo copy oci:./image:1.0 docker://${host}/${project.name}/app:1.0\n\n# ${t("orDocker")}\ndocker login ${host}\ndocker push ${host}/${project.name}/app:1.0`}
            </pre>
          </section>
        )}
      </div>
      {dashboard.ok ? <DashboardView dashboard={dashboard.value} /> : <RefusalNotice error={dashboard.error} />}
    </div>
  );
}
