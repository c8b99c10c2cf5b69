import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { ForwardingPanel } from "@/app/(console)/admin/audit-log/policy/forwarding-panel";
import { PolicyForm } from "@/app/(console)/admin/audit-log/policy/policy-form";
import { PurgePanel } from "@/app/(console)/admin/audit-log/policy/purge-panel";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { getForwardingStatus } from "@/lib/services/audit/forward-audit-events";
import { getPurgePolicy, listPurgeRuns } from "@/lib/services/audit/purge-policy";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { presetOf } from "@/lib/validation/audit-retention";

export async function generateMetadata() {
  return { title: (await getTranslations("auditPolicy"))("title") };
}

/**
 * Retention (purge policy, dry run, purge runs) and syslog forwarding of the audit log.
 * Administrators change them; auditors see the same page read-only (the services refuse them
 * every change, the controls are only hidden).
 */
export default async function AuditPolicyPage() {
  const actor = await getActor();
  const outcome = await attempt(async () => {
    const [policy, runs, forwarding] = await Promise.all([getPurgePolicy({ actor }), listPurgeRuns({ actor }), getForwardingStatus({ actor })]);
    return { policy, runs, forwarding };
  });
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { policy, runs, forwarding } = outcome.value;
  const canEdit = hasSystemPermission(actor, "setting.update");
  const t = await getTranslations("auditPolicy");
  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          <Link href="/admin/audit-log" className="text-sm text-sky-800 hover:underline">
            {t("back")}
          </Link>
        }
      />
      {!canEdit && (
        <p className="mb-6 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="policy-read-only">
          {t("readOnly")}
        </p>
      )}
      <div className="max-w-2xl space-y-10">
        <section className="space-y-3">
          <h2 className="text-lg font-semibold">{t("purgePolicy")}</h2>
          <div className="rounded-lg border border-slate-200 bg-white p-6">
            <PolicyForm
              policy={{ retentionDays: policy.retentionDays, enabled: policy.enabled, preset: presetOf(policy.schedule), cron: policy.schedule ?? "" }}
              canEdit={canEdit}
            />
          </div>
        </section>
        <PurgePanel initialRuns={runs} retentionDays={policy.retentionDays} canPurge={canEdit} />
        <ForwardingPanel initial={forwarding} canEdit={canEdit} />
      </div>
    </>
  );
}
