import { clientInfoFromHeaders } from "@/lib/auth/client-info";
import { issueRegistryToken } from "@/lib/services/registry-auth/issue-token";
import { tokenServiceErrorResponse } from "@/lib/services/registry-auth/registry-response";

export const dynamic = "force-dynamic";

/** The registry token service (Distribution's token auth spec; harbor.md §2). */
export async function GET(req: Request) {
  const { searchParams } = new URL(req.url);
  try {
    const token = await issueRegistryToken({
      authorization: req.headers.get("authorization"),
      service: searchParams.get("service"),
      scopes: searchParams.getAll("scope"),
      client: clientInfoFromHeaders(req.headers),
    });
    return Response.json(token, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return tokenServiceErrorResponse(error);
  }
}
