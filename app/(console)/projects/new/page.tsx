import { getTranslations } from "next-intl/server";
import { CreateProjectForm } from "@/app/(console)/projects/new/create-project-form";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { getActor } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/errors";
import { canCreateProjects } from "@/lib/services/projects/can-create-projects";
import { proxyUpstreamChoices } from "@/lib/services/proxy-cache/upstream-choices";

export async function generateMetadata() {
  return { title: (await getTranslations("projects"))("new") };
}

export default async function NewProjectPage() {
  if (!(await canCreateProjects(await getActor()))) {
    return <RefusalNotice error={new ForbiddenError("Only administrators may create projects here.")} />;
  }
  const t = await getTranslations("projects");
  const upstreams = await proxyUpstreamChoices({ actor: await getActor() });
  return (
    <>
      <PageHeader title={t("new")} description={t("newDescription")} />
      <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
        <CreateProjectForm upstreams={upstreams} />
      </div>
    </>
  );
}
