import Link from "next/link";
import { RegistryForm } from "@/app/(console)/admin/registries/registry-forms";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { getActor } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

export const metadata = { title: "New registry endpoint" };

export default async function NewRegistryPage() {
  const actor = await getActor();
  // UX only: the form is pointless for non-admins; createRegistry refuses them regardless.
  if (!hasSystemPermission(actor, "registry_endpoint.create")) return <RefusalNotice error={new ForbiddenError()} />;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/registries" prefetch={false} className="text-sky-800 hover:underline">
          ← Registries
        </Link>
      </p>
      <PageHeader title="New registry endpoint" description="A registry replication can copy images from or to. Test connection checks the settings before you save them." />
      <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
        <RegistryForm />
      </div>
    </>
  );
}
