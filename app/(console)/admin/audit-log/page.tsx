import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { AuditLogView, auditFormValues } from "@/components/audit/audit-log-view";
import { PageHeader } from "@/components/ui/page-header";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { ValidationError } from "@/lib/errors";
import { listAuditEvents } from "@/lib/services/audit/list-audit-events";
import { fieldErrorsOf } from "@/lib/validation/common";
import { ZAuditLogSearch } from "@/lib/validation/audit";
import { translateActionResult } from "@/lib/i18n/server-text";
import { requestLocale } from "@/lib/i18n/server-locale";

export async function generateMetadata() {
  return { title: (await getTranslations("auditLog"))("title") };
}

const BASE = "/admin/audit-log";

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = await searchParams;
  const actor = await getActor();
  const values = auditFormValues(raw);
  const parsed = ZAuditLogSearch.safeParse(raw);
  const search = parsed.success ? parsed.data : undefined;
  let errors = parsed.success ? {} : fieldErrorsOf(parsed.error);
  // A bad filter still needs the permission check: the list call below makes it either way.
  const outcome = await attempt(() =>
    listAuditEvents({ actor, filter: search ?? {}, pageSize: search?.size ?? 25, cursor: search?.cursor, withTotal: Boolean(search), withOperations: true }),
  );
  if (!outcome.ok && !(outcome.error instanceof ValidationError)) return <RefusalNotice error={outcome.error} />;
  if (!outcome.ok && outcome.error instanceof ValidationError) errors = { ...errors, ...outcome.error.fieldErrors };
  const ok = outcome.ok && search && Object.keys(errors).length === 0;
  errors = translateActionResult({ fieldErrors: errors }, await requestLocale()).fieldErrors ?? {};
  const isAdmin = actor.kind === "user" && actor.isAdmin;
  const t = await getTranslations("auditLog");
  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          // Auditors read the retention and forwarding settings too (the page shows them read-only).
          <Link href={`${BASE}/policy`} className="text-sm text-sky-800 hover:underline" data-testid="audit-policy-link">
            {isAdmin ? t("policyLink") : t("policyLinkReadOnly")}
          </Link>
        }
      />
      <AuditLogView
        basePath={BASE}
        exportPath="/api/v2.0/audit-logs"
        values={values}
        errors={errors}
        search={ok ? search : undefined}
        result={ok && outcome.ok ? outcome.value : undefined}
        showProject
        operations={outcome.ok ? (outcome.value.operations ?? []) : []}
      />
    </>
  );
}
