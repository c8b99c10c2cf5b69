import * as retentions from "@/lib/api/routes/retentions";

export const dynamic = "force-dynamic";

export const GET = retentions.executions;
export const POST = retentions.execute;
