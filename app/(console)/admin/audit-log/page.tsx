import { AuditTable } from "@/components/audit/audit-table";
import { PageHeader } from "@/components/ui/page-header";
import { Pagination } from "@/components/ui/pagination";
import { RefusalNotice } from "@/components/ui/refusal-notice";
import { attempt } from "@/lib/actions/attempt";
import { getActor } from "@/lib/auth/session";
import { listAuditEvents } from "@/lib/services/audit/list-audit-events";
import { ZListAuditEventsQuery } from "@/lib/validation/audit";

export const metadata = { title: "Audit log" };

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = ZListAuditEventsQuery.parse(await searchParams);
  const outcome = await attempt(async () => listAuditEvents({ actor: await getActor(), query }));
  if (!outcome.ok) return <RefusalNotice error={outcome.error} />;
  const { rows, total, page, pageSize } = outcome.value;
  return (
    <>
      <PageHeader title="Audit log" description="Every sign-in, sign-out and change, newest first. Rows cannot be edited or deleted." />
      <AuditTable rows={rows} />
      <Pagination basePath="/admin/audit-log" params={{}} page={page} pageSize={pageSize} total={total} />
    </>
  );
}
