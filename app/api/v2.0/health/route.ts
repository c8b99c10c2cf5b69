import { NextResponse } from "next/server";
import { withApi } from "@/lib/api/with-api";
import { getSystemHealth } from "@/lib/services/system/get-system-health";

export const dynamic = "force-dynamic";

/**
 * Harbor's `GET /api/v2.0/health`: overall status and one entry per component. No sign-in needed;
 * administrators (cookie or Basic auth) also see why a component is unhealthy.
 */
export const GET = withApi(async ({ actor }) => NextResponse.json(await getSystemHealth({ actor })));
