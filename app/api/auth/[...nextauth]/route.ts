import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authRequestClient, clientInfoFromHeaders } from "@/lib/auth/client-info";
import { getAuthOptions } from "@/lib/auth/options";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// next-auth's authorize() and events get no request; run it inside the client-info store so the
// sign-in and sign-out audit rows carry the caller's address and user agent.
function handle(req: NextRequest, ctx: RouteContext) {
  const handler = NextAuth(getAuthOptions());
  return authRequestClient.run(clientInfoFromHeaders(req.headers), () => handler(req, ctx));
}

export { handle as GET, handle as POST };
