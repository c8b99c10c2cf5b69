import * as quotas from "@/lib/api/routes/quotas";

export const dynamic = "force-dynamic";

export const GET = quotas.projectSummary;
