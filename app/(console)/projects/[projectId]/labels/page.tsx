import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { LabelList } from "@/app/(console)/admin/labels/label-list";
import { loadProject, type ProjectTabPageProps } from "@/app/(console)/projects/[projectId]/load-project";
import { projectTitle } from "@/app/(console)/projects/[projectId]/project-title";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { listLabels } from "@/lib/services/labels/labels";
import { isDatabaseId } from "@/lib/validation/common";
import { ZConsolePaging } from "@/lib/validation/pagination";

export async function generateMetadata({ params }: { params: Promise<{ projectId: string }> }): Promise<Metadata> {
  const t = await getTranslations("labels");
  return { title: await projectTitle((await params).projectId, { text: t("tab") }) };
}

/** A project's Labels tab: its own labels (only its artifacts may carry them); Project Admins and Maintainers manage them. */
export default async function ProjectLabelsPage({ params, searchParams }: ProjectTabPageProps) {
  const project = await loadProject((await params).projectId);
  if (!project.ok) return null;
  const sp = await searchParams;
  const { page, pageSize } = ZConsolePaging.parse(sp);
  const actor = await getActor();
  const t = await getTranslations("labels");
  const projectId = project.value.id;
  const outcome = await attempt(() => listLabels({ actor, scope: "p", project: projectId, page, pageSize }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const editId = typeof sp.edit === "string" && /^\d+$/.test(sp.edit) && isDatabaseId(Number(sp.edit)) ? Number(sp.edit) : undefined;
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600">{t("projectIntro")}</p>
      <LabelList page={outcome.value} basePath={`/projects/${projectId}/labels`} projectId={projectId} canManage={new Set<string>(project.value.viewerPermissions).has("label:create")} editId={editId} />
    </div>
  );
}
