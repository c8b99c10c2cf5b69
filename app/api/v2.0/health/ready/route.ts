import { isReady } from "@/lib/services/system/get-system-health";

export const dynamic = "force-dynamic";

/**
 * Readiness for load balancers: 200 while the database and the backing registry answer, 503
 * otherwise, so an instance that cannot serve is taken out of rotation. `/api/v2.0/health` keeps
 * Harbor's shape (always 200, status in the body). No sign-in, and nothing but the verdict.
 */
export async function GET() {
  const ready = await isReady();
  return Response.json(
    { status: ready ? "ready" : "not ready" },
    { status: ready ? 200 : 503, headers: { "Cache-Control": "no-store", ...(ready ? {} : { "Retry-After": "5" }) } },
  );
}
