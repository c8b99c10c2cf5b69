import "server-only";
import { getServerEnv } from "@/lib/env";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "0.0.0.0", "::1", "::", "[::1]", "[::]"]);

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/**
 * Whether an endpoint URL points at Wharf itself: the host and port of WHARF_EXTERNAL_URL, or the
 * port Wharf listens on (PORT) on a loopback or unspecified address. A webhook sent there would
 * come back into Wharf's own API (a loop, or requests made with Wharf's network position).
 */
export function pointsAtWharf(address: string): boolean {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return false;
  }
  const env = getServerEnv();
  const external = new URL(env.externalUrl);
  const host = url.hostname.toLowerCase();
  if (host === external.hostname.toLowerCase() && portOf(url) === portOf(external)) return true;
  const bare = host.replace(/^\[|\]$/g, "");
  if ((LOCAL_HOSTS.has(host) || LOCAL_HOSTS.has(bare) || /^127\./.test(bare)) && portOf(url) === env.PORT) return true;
  return false;
}
