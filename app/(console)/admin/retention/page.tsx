import { getTranslations } from "next-intl/server";
import { saveSystemRetentionDefaultAction } from "@/app/(console)/admin/retention/actions";
import { RetentionPolicyForm } from "@/app/(console)/projects/[projectId]/policy/retention-form";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { countProjectsOnSystemDefault } from "@/lib/services/retention/default-reach";
import { getSystemRetentionDefault } from "@/lib/services/retention/policies";

export async function generateMetadata() {
  return { title: (await getTranslations("policy"))("retentionDefault") };
}

export default async function RetentionDefaultPage() {
  const actor = await getActor();
  const [policy, reach] = await Promise.all([attempt(() => getSystemRetentionDefault({ actor })), attempt(() => countProjectsOnSystemDefault({ actor }))]);
  if (!policy.ok) return <RefusalNotice error={policy.error} />;
  if (!reach.ok) return <RefusalNotice error={reach.error} />;
  const { onDefault, total } = reach.value;
  const t = await getTranslations("policy");
  return (
    <>
      <PageHeader
        title={t("retentionDefault")}
        description={t("retentionDefaultDescription")}
      />
      <p className="mb-4 text-sm" data-testid="retention-default-reach">
        {t(policy.value ? "reachSet" : "reachUnset", { onDefault, total })}
      </p>
      <div className="rounded-lg border border-slate-200 bg-white p-6">
        <RetentionPolicyForm
          action={saveSystemRetentionDefaultAction}
          hidden={{}}
          rules={policy.value?.rules ?? []}
          schedule={policy.value?.schedule ?? null}
          enabled={policy.value?.enabled ?? true}
          readOnly={!hasSystemPermission(actor, "setting.update")}
          saveLabel={t("saveSystemDefault")}
        />
      </div>
    </>
  );
}
