import { BlockList, isIP } from "node:net";

/**
 * The request header that carries the client's address from Wharf's HTTP front
 * (lib/runtime/server.ts) to everything behind it: the /v2 gateway, the token service and Next.js
 * (console, REST API, next-auth). The front removes any copy a client sent and sets it on every
 * request, so only the front controls it; X-Forwarded-For, which anyone can send, is read only
 * by the front and only from configured proxies.
 */
export const CLIENT_IP_HEADER = "x-wharf-client-ip";

/**
 * An address as Wharf records it: IPv4 in dotted form (also when it arrives IPv4-mapped,
 * `::ffff:10.0.0.1`, as a dual-stack socket reports IPv4 peers), IPv6 in lower case without a
 * zone. A port that some proxies append (`10.0.0.1:5123`, `[2001:db8::1]:5123`) is dropped.
 * Null for anything that is not an IP address.
 */
export function normalizeAddress(value: string): string | null {
  let text = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(":"));
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  if (mapped) text = mapped[1]!;
  const version = isIP(text);
  if (version === 4) return text;
  if (version === 6) return text.toLowerCase();
  return null;
}

/** A set of IP addresses and CIDR ranges, compared in the normalized form of normalizeAddress. */
export type AddressRanges = {
  /** Whether a (normalized) address is in one of the ranges. */
  has(address: string): boolean;
  readonly empty: boolean;
};

/** The peers whose X-Forwarded-For Wharf believes (WHARF_TRUSTED_PROXIES). */
export type TrustedProxies = AddressRanges;

type ParsedRange = { address: string; type: "ipv4" | "ipv6"; prefix: number | null };

/**
 * One entry of an address list: an IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
 * Returns the reason it is neither, naming the entry, or the parsed range.
 */
function parseRange(entry: string): ParsedRange | string {
  const slash = entry.indexOf("/");
  const addressText = slash < 0 ? entry : entry.slice(0, slash);
  const address = normalizeAddress(addressText);
  if (!address) return `"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)`;
  const type = address.includes(":") ? "ipv6" : "ipv4";
  if (slash < 0) return { address, type, prefix: null };
  const prefixText = entry.slice(slash + 1);
  const prefix = Number(prefixText);
  const max = type === "ipv4" ? 32 : 128;
  // Its prefix counts 128 bits, not the 32 of the IPv4 form addresses are compared in.
  if (type === "ipv4" && addressText.includes(":")) return `"${entry}": write an IPv4-mapped range in IPv4 form (e.g. 10.0.0.0/8)`;
  if (!/^\d{1,3}$/.test(prefixText) || prefix > max) return `"${entry}" has an invalid prefix length (0-${max} for ${type === "ipv4" ? "IPv4" : "IPv6"})`;
  return { address, type, prefix };
}

/** Why an address list entry is not an IP address or CIDR range, or null when it is one. */
export function addressRangeError(entry: string): string | null {
  const parsed = parseRange(entry.trim());
  return typeof parsed === "string" ? parsed : null;
}

/**
 * A list of IP addresses and CIDR ranges as a set. IPv4 addresses (also IPv4-mapped IPv6 ones,
 * which normalizeAddress writes in IPv4 form) are matched by IPv4 entries only, IPv6 addresses by
 * IPv6 entries only: `::/0` admits every IPv6 client and no IPv4 one. Throws an Error naming the
 * first entry that is neither an address nor a range.
 */
export function parseAddressRanges(entries: readonly string[]): AddressRanges {
  // One list per family: BlockList matches an IPv4 address against IPv6 ranges through its
  // mapped form, so a single list would let `::/0` admit every IPv4 client too.
  const lists = { ipv4: new BlockList(), ipv6: new BlockList() };
  let count = 0;
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const parsed = parseRange(entry);
    if (typeof parsed === "string") throw new Error(parsed);
    if (parsed.prefix === null) lists[parsed.type].addAddress(parsed.address, parsed.type);
    else lists[parsed.type].addSubnet(parsed.address, parsed.prefix, parsed.type);
    count += 1;
  }
  return {
    has: (address) => {
      const version = isIP(address);
      if (version === 4) return lists.ipv4.check(address, "ipv4");
      return version === 6 && lists.ipv6.check(address, "ipv6");
    },
    empty: count === 0,
  };
}

/**
 * An allowlist as stored (validated when it was saved): an entry that no longer parses is skipped,
 * never fatal, and admits nobody. `empty` is about the stored list, so a list whose every entry
 * is unusable refuses every address rather than admitting all of them.
 */
export function parseStoredAddressRanges(entries: readonly string[]): AddressRanges {
  const ranges = parseAddressRanges(entries.filter((entry) => addressRangeError(entry) === null));
  return { has: ranges.has, empty: entries.every((entry) => entry.trim() === "") };
}

/**
 * Parses WHARF_TRUSTED_PROXIES: comma-separated IP addresses and CIDR ranges (`10.0.0.0/8`,
 * `fd00::/8`). Throws an Error naming the first entry that is neither.
 */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  return parseAddressRanges((value ?? "").split(","));
}

/**
 * The client's address: the socket peer, unless the peer is a trusted proxy; then X-Forwarded-For
 * is walked from the right (each proxy appends the address it received the request from), past
 * every trusted proxy, to the first address that is not one. Entries left of that one were
 * written by the client or by proxies nobody vouches for, so they are never used: a client cannot
 * choose its recorded address by sending the header itself.
 *
 * When the walk meets an entry that is not an address (a trusted proxy misbehaving), the last
 * address it trusted is the answer: the request certainly came through that proxy. When every
 * hop is trusted, the left-most one is (the request started on a proxy's own host).
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trusted: TrustedProxies,
): string | null {
  let current = peer === undefined ? null : normalizeAddress(peer);
  if (!current || trusted.empty || !trusted.has(current)) return current;
  const joined = typeof forwardedFor === "string" ? forwardedFor : (forwardedFor ?? []).join(",");
  const hops = joined.split(",").map((hop) => hop.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = normalizeAddress(hops[i]!);
    if (!hop) return current;
    current = hop;
    if (!trusted.has(hop)) return hop;
  }
  return current;
}
