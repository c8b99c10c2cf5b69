import "server-only";
import { clientInfoFromHeaders } from "@/lib/auth/client-info";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import { TOKEN_SERVICE_HEADERS, tokenServiceErrorResponse } from "@/lib/gateway/registry-response";

/**
 * `GET /service/token` (Distribution's token authentication protocol), served by Wharf's front
 * (lib/runtime/server.ts). HEAD answers as GET without a body; other methods get 405.
 */
export async function handleTokenRequest(req: Request): Promise<Response> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return new Response(null, { status: 405, headers: { ...TOKEN_SERVICE_HEADERS, Allow: "GET, HEAD" } });
  }
  const { searchParams } = new URL(req.url);
  try {
    const token = await issueRegistryToken({
      authorization: req.headers.get("authorization"),
      service: searchParams.get("service"),
      scopes: searchParams.getAll("scope"),
      client: clientInfoFromHeaders(req.headers),
    });
    return Response.json(token, { headers: TOKEN_SERVICE_HEADERS });
  } catch (error) {
    return tokenServiceErrorResponse(error);
  }
}
