import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { NEW_POLICY } from "@/app/(console)/admin/replications/form-values";
import { loadEndpointOptions } from "@/app/(console)/admin/replications/load-policy";
import { ReplicationPolicyForm } from "@/app/(console)/admin/replications/policy-form";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { getActor } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

export async function generateMetadata() {
  return { title: (await getTranslations("replication"))("newTitle") };
}

export default async function NewReplicationPolicyPage() {
  const actor = await getActor();
  // UX only: the form is pointless without the permission; createReplicationPolicy refuses regardless.
  if (!hasSystemPermission(actor, "replication_policy.create")) return <RefusalNotice error={new ForbiddenError()} />;
  const endpoints = await loadEndpointOptions(actor);
  if (!endpoints.ok) return <RefusalNotice error={endpoints.error} />;
  const t = await getTranslations("replication");
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/replications" prefetch={false} className="text-sky-800 hover:underline">
          {t("back")}
        </Link>
      </p>
      <PageHeader title={t("newTitle")} description={t("newDescription")} />
      <div className="max-w-3xl rounded-lg border border-slate-200 bg-white p-6">
        <ReplicationPolicyForm initial={NEW_POLICY} endpoints={endpoints.value} />
      </div>
    </>
  );
}
