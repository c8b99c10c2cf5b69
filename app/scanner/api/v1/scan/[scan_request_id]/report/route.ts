import { handleReport } from "@/lib/scan/adapter/http";

/** Wharf's built-in scanner adapter (Pluggable Scanner API): GET /api/v1/scan/{scan_request_id}/report. */
export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ scan_request_id: string }> }): Promise<Response> {
  return handleReport(req, (await params).scan_request_id);
}
