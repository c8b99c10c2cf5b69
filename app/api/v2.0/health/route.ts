import { NextResponse } from "next/server";
import { getActor } from "@/lib/auth/session";
import { getSystemHealth } from "@/lib/services/system/get-system-health";

export const dynamic = "force-dynamic";

/** Harbor's `GET /api/v2.0/health`: overall status and one entry per component. No auth needed. */
export async function GET() {
  const health = await getSystemHealth({ actor: await getActor() });
  return NextResponse.json(health, { headers: { "Cache-Control": "no-store" } });
}
