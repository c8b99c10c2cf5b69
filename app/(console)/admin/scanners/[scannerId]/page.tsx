import Link from "next/link";
import { ScannerForm } from "@/app/(console)/admin/scanners/scanner-forms";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { getScanner } from "@/lib/services/scan/scanners";
import { ZId } from "@/lib/validation/common";
import { SCANNER_AUTH_LABELS } from "@/lib/validation/scanners";
import { formatDateTime } from "@/lib/format/datetime";

export const metadata = { title: "Scanner" };

export default async function ScannerPage({ params }: { params: Promise<{ scannerId: string }> }) {
  const parsedId = ZId.safeParse((await params).scannerId);
  if (!parsedId.success) return <RefusalNotice error={new NotFoundError("There is no such scanner.")} />;
  const actor = await getActor();
  const outcome = await attempt(() => getScanner({ actor, scannerId: parsedId.data }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const scanner = outcome.value;
  const canEdit = hasSystemPermission(actor, "scanner.update");
  const info = scanner.metadata?.scanner;
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/scanners" prefetch={false} className="text-sky-800 hover:underline">
          ← Interrogation services
        </Link>
      </p>
      <PageHeader title={scanner.name} description={`${scanner.isDefault ? "The default scanner, at " : "At "}${scanner.url}`} />
      {scanner.builtin && (
        <p className="mb-4 max-w-lg text-sm text-slate-700">
          Wharf&apos;s built-in scanner: Wharf serves this adapter itself, and on every start sets its URL to Wharf&apos;s external URL and its key to one derived from
          WHARF_SECRET_KEY, so changes to those two do not last.
        </p>
      )}
      {scanner.healthCheckedAt && (
        <p className="mb-4 text-sm text-slate-700" data-testid="scanner-health-message">
          Last Test connection ({formatDateTime(scanner.healthCheckedAt)}): {scanner.healthMessage}
        </p>
      )}
      {info?.name && (
        <p className="mb-4 text-sm text-slate-700">
          {info.name} {info.version} by {info.vendor}
        </p>
      )}
      {canEdit ? (
        <div className="max-w-lg rounded-lg border border-slate-200 bg-white p-6">
          <ScannerForm
            scanner={{
              id: scanner.id,
              name: scanner.name,
              description: scanner.description,
              url: scanner.url,
              auth: scanner.auth,
              hasCredential: scanner.hasCredential,
              skipCertVerify: scanner.skipCertVerify,
              disabled: scanner.disabled,
            }}
          />
        </div>
      ) : (
        <dl className="grid max-w-lg grid-cols-3 gap-2 text-sm">
          <dt className="text-slate-500">Authorization</dt>
          <dd className="col-span-2">{SCANNER_AUTH_LABELS[scanner.auth]}</dd>
          <dt className="text-slate-500">TLS</dt>
          <dd className="col-span-2">{scanner.skipCertVerify ? "Certificate not verified" : "Certificate verified"}</dd>
          <dt className="text-slate-500">State</dt>
          <dd className="col-span-2">{scanner.disabled ? "Disabled" : "Enabled"}</dd>
          <dt className="text-slate-500">Description</dt>
          <dd className="col-span-2">{scanner.description || "—"}</dd>
        </dl>
      )}
    </>
  );
}
