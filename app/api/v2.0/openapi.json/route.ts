import { openApiDocument } from "@/lib/api/openapi";

/** The OpenAPI 3 description of Wharf's REST API; public, like Harbor's swagger. */
export function GET() {
  return Response.json(openApiDocument, { headers: { "Cache-Control": "no-cache" } });
}
