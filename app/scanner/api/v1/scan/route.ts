import { handleScan } from "@/lib/scan/adapter/http";

/** Wharf's built-in scanner adapter (Pluggable Scanner API): POST /api/v1/scan. */
export const dynamic = "force-dynamic";

export function POST(req: Request): Promise<Response> {
  return handleScan(req);
}
