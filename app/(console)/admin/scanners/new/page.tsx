import Link from "next/link";
import { ScannerForm } from "@/app/(console)/admin/scanners/scanner-forms";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { getActor } from "@/lib/auth/session";
import { ForbiddenError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";

export const metadata = { title: "New scanner" };

export default async function NewScannerPage() {
  const actor = await getActor();
  // UX only: the form is pointless for non-admins; createScanner refuses them regardless.
  if (!hasSystemPermission(actor, "scanner.create")) return <RefusalNotice error={new ForbiddenError()} />;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/scanners" prefetch={false} className="text-sky-800 hover:underline">
          ← Interrogation services
        </Link>
      </p>
      <PageHeader title="New scanner" description="An adapter of the Pluggable Scanner API (such as harbor-scanner-trivy). Test connection reads its metadata before you save." />
      <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
        <ScannerForm />
      </div>
    </>
  );
}
