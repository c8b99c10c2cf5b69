import Link from "next/link";
import type { ReactNode } from "react";
import { getTranslations } from "next-intl/server";
import { loadProject } from "@/app/(console)/projects/[projectId]/load-project";
import { type ProjectTab, ProjectTabs } from "@/app/(console)/projects/[projectId]/project-tabs";
import { Badge } from "@/components/ui/badge";
import { RefusalNotice } from "@/components/ui/refusal-notice";

/**
 * Project header and tabs. Tabs the viewer may not use are absent; each tab page and action
 * still asks the service layer, which refuses on its own.
 */
export default async function ProjectLayout({ params, children }: { params: Promise<{ projectId: string }>; children: ReactNode }) {
  const { projectId } = await params;
  const outcome = await loadProject(projectId);
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const project = outcome.value;
  const can = new Set(project.viewerPermissions);
  const base = `/projects/${project.id}`;
  const t = await getTranslations("project");
  const tw = await getTranslations("webhooks");
  const tl = await getTranslations("labels");
  const tabs: ProjectTab[] = [
    { href: base, label: t("tabs.summary") },
    ...(can.has("repository:list") ? [{ href: `${base}/repositories`, label: t("tabs.repositories") }] : []),
    ...(project.proxy && can.has("repository:list") ? [{ href: `${base}/cache`, label: t("tabs.cache") }] : []),
    ...(can.has("scan:read") ? [{ href: `${base}/security`, label: t("tabs.security") }] : []),
    ...(can.has("member:list") ? [{ href: `${base}/members`, label: t("tabs.members") }] : []),
    ...(can.has("robot:list") ? [{ href: `${base}/robots`, label: t("tabs.robots") }] : []),
    ...(can.has("quota:read") ? [{ href: `${base}/storage`, label: t("tabs.storage") }] : []),
    ...(can.has("configuration:read") ? [{ href: `${base}/configuration`, label: t("tabs.configuration") }] : []),
    ...(can.has("tag-retention:read") || can.has("immutable-tag:list")
      ? [{ href: `${base}/policy`, label: t("tabs.policy"), readOnly: !can.has("tag-retention:update") && !can.has("immutable-tag:update") }]
      : []),
    ...(can.has("label:list") ? [{ href: `${base}/labels`, label: tl("tab") }] : []),
    ...(can.has("notification-policy:list") ? [{ href: `${base}/webhooks`, label: tw("tab") }] : []),
    ...(can.has("log:list") ? [{ href: `${base}/logs`, label: t("tabs.logs") }] : []),
  ];
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/projects" prefetch={false} className="text-sky-800 hover:underline">
          ← {t("backToProjects")}
        </Link>
      </p>
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">{project.name}</h1>
        {project.isPublic ? <Badge tone="info">{t("public")}</Badge> : <Badge>{t("private")}</Badge>}
        {project.viewerRoleId && <Badge tone="good">{t(`roles.r${project.viewerRoleId}`)}</Badge>}
      </div>
      <ProjectTabs tabs={tabs} />
      {children}
    </>
  );
}
