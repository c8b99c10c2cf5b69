import { createHash } from "node:crypto";
import { Agent, fetch as undiciFetch } from "undici";

/**
 * How Wharf verifies a remote registry's TLS certificate: `insecure` skips verification (a
 * self-signed registry the administrator chose to trust blindly), `ca` is PEM text of the
 * certificate authorities to trust instead of Node's bundled ones (a registry behind a private CA).
 * Neither: the default verification against the system's roots, through the global fetch.
 */
export type RegistryTls = { insecure?: boolean; ca?: string };

/** Whether the settings change anything (an empty CA, or insecure false, is the default). */
export function hasTlsSettings(tls: RegistryTls | undefined): tls is RegistryTls {
  return Boolean(tls && (tls.insecure || tls.ca?.trim()));
}

/**
 * One Agent per distinct setting (a connection pool each), not per request or per client: a
 * replication run makes a client per task. Bounded, so endpoints edited over and over do not grow
 * it without end; the oldest is closed gracefully (its requests in flight finish first).
 */
const MAX_AGENTS = 32;
const agents = new Map<string, Agent>();

function agentFor(tls: RegistryTls): Agent {
  const key = tls.insecure ? "insecure" : `ca:${createHash("sha256").update(tls.ca ?? "").digest("hex")}`;
  let agent = agents.get(key);
  if (agent) return agent;
  agent = new Agent({ connect: tls.insecure ? { rejectUnauthorized: false } : { ca: tls.ca } });
  if (agents.size >= MAX_AGENTS) {
    const [oldestKey, oldest] = agents.entries().next().value!;
    agents.delete(oldestKey);
    void oldest.close().catch(() => undefined);
  }
  agents.set(key, agent);
  return agent;
}

/**
 * The fetch to use for a registry with these TLS settings. Without settings it is the global
 * fetch (the backing registry, plain http on loopback, is untouched). With settings it is the npm
 * `undici` package's own fetch with that package's Agent as dispatcher: Node's global fetch is
 * its bundled undici, whose version need not match the package's, and a dispatcher from another
 * undici version is not guaranteed to work with it; a fetch and an Agent of one package always do.
 * Its Response is a WHATWG Response of the same shape (body a web ReadableStream).
 */
export function fetchForTls(tls: RegistryTls | undefined): typeof fetch {
  if (!hasTlsSettings(tls)) return (input, init) => fetch(input, init);
  const dispatcher = agentFor(tls);
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as typeof fetch;
}
