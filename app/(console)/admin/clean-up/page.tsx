import { getTranslations } from "next-intl/server";
import { GcPanel } from "@/app/(console)/admin/clean-up/gc-panel";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { requestLocale } from "@/lib/i18n/server-locale";
import { translateServerText } from "@/lib/i18n/server-text";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { gcTargetInfo, getGcSchedule, listGcExecutions } from "@/lib/services/gc/gc";

export async function generateMetadata() {
  return { title: (await getTranslations("cleanUp"))("title") };
}

/** Administration → Clean up: registry garbage collection (administrators run; auditors read). */
export default async function CleanUpPage() {
  const actor = await getActor();
  const outcome = await attempt(async () => {
    const [page, schedule] = await Promise.all([listGcExecutions({ actor, pageSize: 20 }), getGcSchedule({ actor })]);
    return { executions: page.rows, total: page.total, schedule };
  });
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const t = await getTranslations("cleanUp");
  const target = gcTargetInfo();
  const reasonText = target.reason ? translateServerText(target.reason, await requestLocale()) : undefined;
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <GcPanel initial={outcome.value} target={{ ...target, reasonText }} canRun={hasSystemPermission(actor, "gc.run")} />
    </>
  );
}
