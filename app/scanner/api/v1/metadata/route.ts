import { handleMetadata } from "@/lib/scan/adapter/http";

/** Wharf's built-in scanner adapter (Pluggable Scanner API): GET /api/v1/metadata. */
export const dynamic = "force-dynamic";

export function GET(req: Request): Promise<Response> {
  return handleMetadata(req);
}
