import { randomUUID } from "node:crypto";
import { harborErrors } from "@/lib/api/errors";

/**
 * Any path under /api/v2.0 that Wharf does not implement (Harbor has ~100 more): Harbor's JSON 404
 * instead of the console's HTML page, so API clients get an error they can parse. No
 * authentication is attempted; the answer is the same for everyone.
 */
export async function unknownEndpoint(req: Request): Promise<Response> {
  const { pathname } = new URL(req.url);
  const body = harborErrors("NOT_FOUND", `Wharf does not implement ${req.method} ${pathname}. See /api/v2.0/openapi.json.`);
  return Response.json(body, {
    status: 404,
    headers: { "X-Request-Id": randomUUID(), "Cache-Control": "no-store" },
  });
}
