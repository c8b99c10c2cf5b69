import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { ScannerForm } from "@/app/(console)/admin/scanners/scanner-forms";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";
import { hasSystemPermission } from "@/lib/services/authz/system-permissions";
import { getScanner } from "@/lib/services/scan/scanners";
import { ZId } from "@/lib/validation/common";
import { SCANNER_AUTH_KEYS } from "@/lib/validation/scanner-types";
import { formatDateTime } from "@/lib/format/datetime";

export async function generateMetadata() {
  return { title: (await getTranslations("scanners"))("scannerTitle") };
}

export default async function ScannerPage({ params }: { params: Promise<{ scannerId: string }> }) {
  const parsedId = ZId.safeParse((await params).scannerId);
  if (!parsedId.success) return <RefusalNotice error={new NotFoundError("There is no such scanner.")} />;
  const actor = await getActor();
  const outcome = await attempt(() => getScanner({ actor, scannerId: parsedId.data }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const scanner = outcome.value;
  const canEdit = hasSystemPermission(actor, "scanner.update");
  const info = scanner.metadata?.scanner;
  const t = await getTranslations("scanners");
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/admin/scanners" prefetch={false} className="text-sky-800 hover:underline">
          {t("back")}
        </Link>
      </p>
      <PageHeader title={scanner.name} description={scanner.isDefault ? t("defaultAt", { url: scanner.url }) : t("at", { url: scanner.url })} />
      {scanner.builtin && (
        <p className="mb-4 max-w-lg text-sm text-slate-700">
          {t("builtinText")}
        </p>
      )}
      {scanner.healthCheckedAt && (
        <p className="mb-4 text-sm text-slate-700" data-testid="scanner-health-message">
          {t("lastTest", { time: formatDateTime(scanner.healthCheckedAt), message: scanner.healthMessage })}
        </p>
      )}
      {info?.name && (
        <p className="mb-4 text-sm text-slate-700">
          {t("adapterLine", { name: info.name, version: info.version ?? "", vendor: info.vendor ?? "" })}
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
          <dt className="text-slate-500">{t("authorization")}</dt>
          <dd className="col-span-2">{t(`auth.${SCANNER_AUTH_KEYS[scanner.auth]}`)}</dd>
          <dt className="text-slate-500">{t("tls")}</dt>
          <dd className="col-span-2">{scanner.skipCertVerify ? t("certNotVerified") : t("certVerified")}</dd>
          <dt className="text-slate-500">{t("state")}</dt>
          <dd className="col-span-2">{scanner.disabled ? t("disabled") : t("enabled")}</dd>
          <dt className="text-slate-500">{t("descriptionLabel")}</dt>
          <dd className="col-span-2">{scanner.description || "—"}</dd>
        </dl>
      )}
    </>
  );
}
