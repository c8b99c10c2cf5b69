import { AsyncLocalStorage } from "node:async_hooks";
import type { ClientInfo } from "@/lib/auth/actor";
import { CLIENT_IP_HEADER } from "@/lib/auth/client-address";

type HeaderSource = { get(name: string): string | null };

/**
 * Where a request came from. The address is the one Wharf's HTTP front worked out from the socket
 * and, behind configured trusted proxies only, X-Forwarded-For (lib/auth/client-address.ts); the
 * front strips any copy of its header that a client sends, so a request that did not come through
 * the front has no address rather than one the caller chose.
 */
export function clientInfoFromHeaders(headers: HeaderSource): ClientInfo {
  return { ip: headers.get(CLIENT_IP_HEADER) || null, userAgent: headers.get("user-agent") };
}

/**
 * next-auth's callbacks and events receive no request, yet their audit rows need the client's
 * address: the auth route handler runs next-auth inside this store.
 */
export const authRequestClient = new AsyncLocalStorage<ClientInfo>();
