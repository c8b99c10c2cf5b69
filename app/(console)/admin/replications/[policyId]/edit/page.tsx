import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { formValuesOf } from "@/app/(console)/admin/replications/form-values";
import { loadEndpointOptions, loadPolicy } from "@/app/(console)/admin/replications/load-policy";
import { ReplicationPolicyForm } from "@/app/(console)/admin/replications/policy-form";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { getActor } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

export async function generateMetadata() {
  return { title: (await getTranslations("replication"))("editMetaTitle") };
}

export default async function EditReplicationPolicyPage({ params }: { params: Promise<{ policyId: string }> }) {
  const actor = await getActor();
  const policy = await loadPolicy(actor, (await params).policyId);
  if (!policy.ok) return <RefusalNotice error={policy.error} />;
  // UX only: auditors read the policy on its own page; updateReplicationPolicy refuses regardless.
  if (!hasSystemPermission(actor, "replication_policy.update")) return <RefusalNotice error={new ForbiddenError()} />;
  const endpoints = await loadEndpointOptions(actor);
  if (!endpoints.ok) return <RefusalNotice error={endpoints.error} />;
  const p = policy.value;
  const t = await getTranslations("replication");
  // The policy's own endpoint stays choosable even beyond the first page of endpoints.
  const options = endpoints.value.some((e) => e.id === p.endpoint.id) ? endpoints.value : [p.endpoint, ...endpoints.value];
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/admin/replications/${p.id}`} prefetch={false} className="text-sky-800 hover:underline">
          ← {p.name}
        </Link>
      </p>
      <PageHeader title={t("editTitle", { name: p.name })} description={t("editDescription")} />
      <div className="max-w-3xl rounded-lg border border-slate-200 bg-white p-6">
        <ReplicationPolicyForm policyId={p.id} initial={formValuesOf(p)} endpoints={options} />
      </div>
    </>
  );
}
