import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { RegistryForm } from "@/app/(console)/admin/registries/registry-forms";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { getActor } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

export async function generateMetadata() {
  return { title: (await getTranslations("registries"))("newTitle") };
}

export default async function NewRegistryPage() {
  const actor = await getActor();
  // UX only: the form is pointless for non-admins; createRegistry refuses them regardless.
  if (!hasSystemPermission(actor, "registry_endpoint.create")) return <RefusalNotice error={new ForbiddenError()} />;
  const t = await getTranslations("registries");
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/registries" prefetch={false} className="text-sky-800 hover:underline">
          {t("back")}
        </Link>
      </p>
      <PageHeader title={t("newTitle")} description={t("newDescription")} />
      <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
        <RegistryForm />
      </div>
    </>
  );
}
