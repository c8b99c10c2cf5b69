import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { LabelList } from "@/app/(console)/admin/labels/label-list";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { listLabels } from "@/lib/services/labels/labels";
import { isDatabaseId } from "@/lib/validation/common";
import { ZConsolePaging } from "@/lib/validation/pagination";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("labels"))("globalTitle") };
}

/** Administration → Labels: the global labels (any artifact may carry them); administrators manage them. */
export default async function GlobalLabelsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const { page, pageSize } = ZConsolePaging.parse(sp);
  const actor = await getActor();
  const t = await getTranslations("labels");
  const outcome = await attempt(() => listLabels({ actor, scope: "g", page, pageSize }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const editId = typeof sp.edit === "string" && /^\d+$/.test(sp.edit) && isDatabaseId(Number(sp.edit)) ? Number(sp.edit) : undefined;
  return (
    <>
      <PageHeader title={t("globalTitle")} description={t("globalIntro")} />
      <LabelList page={outcome.value} basePath="/admin/labels" canManage={hasSystemPermission(actor, "label.create")} editId={editId} />
    </>
  );
}
