import * as r from "@/lib/api/routes/security";

export const dynamic = "force-dynamic";

export const GET = r.getSecuritySummaryRoute;
