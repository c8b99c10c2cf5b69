import * as replication from "@/lib/api/routes/replication";

export const dynamic = "force-dynamic";

export const POST = replication.retryExecution;
