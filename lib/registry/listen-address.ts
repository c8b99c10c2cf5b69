/**
 * Where the registry Wharf runs listens: `WHARF_REGISTRY_LISTEN` as `port` or `host:port`
 * (`[v6]:port` for IPv6). Pure, so lib/env.ts can validate it without loading the launcher.
 */
export type ListenAddress = { host: string; port: number };

export const DEFAULT_REGISTRY_HOST = "127.0.0.1";

export function parseListenAddress(value: string): ListenAddress {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|localhost):)?([0-9]{1,5})$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error("must be a port (e.g. `5000`) or host:port (e.g. `127.0.0.1:5000`, `0.0.0.0:5000`, `[::1]:5000`)");
  }
  const host = match[1] ? match[1].replace(/^\[|\]$/g, "") : DEFAULT_REGISTRY_HOST;
  if (host.includes(".") && host.split(".").some((part) => Number(part) > 255)) {
    throw new Error(`${host} is not an IPv4 address`);
  }
  return { host, port };
}

/** Why `value` is not a listen address, or null. */
export function listenAddressProblem(value: string): string | null {
  try {
    parseListenAddress(value);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The address Wharf itself uses to reach a registry listening on `host`: a wildcard address
 * accepts connections on loopback too, which never leaves the machine.
 */
export function connectHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "::1";
  return host;
}

/** `host:port` for URLs and `http.addr`, with IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
