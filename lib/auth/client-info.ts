import { AsyncLocalStorage } from "node:async_hooks";
import type { ClientInfo } from "@/lib/auth/actor";

type HeaderSource = { get(name: string): string | null };

/**
 * Where a request came from. Next.js sets X-Forwarded-For from the socket when it is the first hop;
 * behind a reverse proxy the proxy's value arrives in it. The left-most entry is the client as the
 * first proxy saw it.
 */
export function clientInfoFromHeaders(headers: HeaderSource): ClientInfo {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  const ip = forwarded || headers.get("x-real-ip") || null;
  return { ip, userAgent: headers.get("user-agent") };
}

/**
 * next-auth's callbacks and events receive no request, yet their audit rows need the client's
 * address: the auth route handler runs next-auth inside this store.
 */
export const authRequestClient = new AsyncLocalStorage<ClientInfo>();
