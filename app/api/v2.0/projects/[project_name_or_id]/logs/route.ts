import * as r from "@/lib/api/routes/audit-logs";

export const dynamic = "force-dynamic";

export const GET = r.listProjectLogsRoute;
