import type { JobHandler } from "@/lib/jobs/define-job";
import type { PurgeAuditPayload } from "@/lib/jobs/definitions";
import { purgeAuditEvents } from "@/lib/services/audit/purge-audit-events";

/** One attempt of an `audit.purge` run; a retried attempt continues with the rows left (see purgeAuditEvents). */
const handlePurgeAudit: JobHandler<PurgeAuditPayload> = (ctx) => purgeAuditEvents(ctx);

export default handlePurgeAudit;
