import * as auditPurge from "@/lib/api/routes/audit-purge";

export const dynamic = "force-dynamic";

export const GET = auditPurge.getSchedule;
export const PUT = auditPurge.putSchedule;
