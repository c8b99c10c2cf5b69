import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authRequestClient, clientInfoFromHeaders } from "@/lib/auth/client-info";
import { getAuthOptionsForRequest, OIDC_PROVIDER_ID } from "@/lib/auth/options";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// next-auth's authorize() and events get no request; run it inside the client-info store so the
// sign-in and sign-out audit rows carry the caller's address and user agent. The options are read per
// request: the OIDC provider comes and goes with the auth mode and its settings.
async function handle(req: NextRequest, ctx: RouteContext) {
  // /api/auth/signin/oidc and /api/auth/callback/oidc read the OIDC settings fresh (the rest through a short cache).
  const { nextauth } = await ctx.params;
  const handler = NextAuth(await getAuthOptionsForRequest({ fresh: nextauth.at(-1) === OIDC_PROVIDER_ID }));
  return authRequestClient.run(clientInfoFromHeaders(req.headers), () => handler(req, ctx));
}

export { handle as GET, handle as POST };
