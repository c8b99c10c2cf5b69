import { saveSystemRetentionDefaultAction } from "@/app/(console)/admin/retention/actions";
import { RetentionPolicyForm } from "@/app/(console)/projects/[projectId]/policy/retention-form";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { countProjectsOnSystemDefault } from "@/lib/services/retention/default-reach";
import { getSystemRetentionDefault } from "@/lib/services/retention/policies";

export const metadata = { title: "Retention default" };

export default async function RetentionDefaultPage() {
  const actor = await getActor();
  const [policy, reach] = await Promise.all([attempt(() => getSystemRetentionDefault({ actor })), attempt(() => countProjectsOnSystemDefault({ actor }))]);
  if (!policy.ok) return <RefusalNotice error={policy.error} />;
  if (!reach.ok) return <RefusalNotice error={reach.error} />;
  const { onDefault, total } = reach.value;
  return (
    <>
      <PageHeader
        title="Retention default"
        description="The tag retention policy of every project without a policy of its own, including projects created later."
      />
      <p className="mb-4 text-sm" data-testid="retention-default-reach">
        {policy.value ? "A system default is set" : "No system default is set yet"}: it {policy.value ? "applies" : "would apply"} to {onDefault} of {total}{" "}
        {total === 1 ? "project" : "projects"} (those without their own policy).
      </p>
      <div className="rounded-lg border border-slate-200 bg-white p-6">
        <RetentionPolicyForm
          action={saveSystemRetentionDefaultAction}
          hidden={{}}
          rules={policy.value?.rules ?? []}
          schedule={policy.value?.schedule ?? null}
          enabled={policy.value?.enabled ?? true}
          readOnly={!hasSystemPermission(actor, "setting.update")}
          saveLabel="Save system default"
        />
      </div>
    </>
  );
}
