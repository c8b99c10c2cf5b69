import { SettingsForm } from "@/app/(console)/admin/settings/settings-form";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { getSystemSettings } from "@/lib/services/settings/system-settings";

export const metadata = { title: "Settings" };

export default async function SettingsPage() {
  const actor = await getActor();
  const outcome = await attempt(() => getSystemSettings({ actor }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  return (
    <>
      <PageHeader title="Settings" description="System-wide configuration." />
      <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
        <SettingsForm settings={outcome.value} canEdit={hasSystemPermission(actor, "setting.update")} />
      </div>
    </>
  );
}
