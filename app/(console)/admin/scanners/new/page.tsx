import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { ScannerForm } from "@/app/(console)/admin/scanners/scanner-forms";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { getActor } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

export async function generateMetadata() {
  return { title: (await getTranslations("scanners"))("newScanner") };
}

export default async function NewScannerPage() {
  const actor = await getActor();
  // UX only: the form is pointless for non-admins; createScanner refuses them regardless.
  if (!hasSystemPermission(actor, "scanner.create")) return <RefusalNotice error={new ForbiddenError()} />;
  const t = await getTranslations("scanners");
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/scanners" prefetch={false} className="text-sky-800 hover:underline">
          {t("back")}
        </Link>
      </p>
      <PageHeader title={t("newScanner")} description={t("newDescription")} />
      <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
        <ScannerForm />
      </div>
    </>
  );
}
