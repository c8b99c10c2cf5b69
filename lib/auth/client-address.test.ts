import { describe, expect, it } from "vitest";
import { addressRangeError, CLIENT_IP_HEADER, clientAddress, normalizeAddress, parseAddressRanges, parseStoredAddressRanges, parseTrustedProxies } from "@/lib/auth/client-address";
import { clientInfoFromHeaders } from "@/lib/auth/client-info";
import { parseServerEnv } from "@/lib/env";

const none = parseTrustedProxies(undefined);

describe("clientAddress", () => {
  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    expect(clientAddress("198.51.100.4", "203.0.113.66", none)).toBe("198.51.100.4");
    // Also when proxies are configured, but this peer is not one of them.
    expect(clientAddress("198.51.100.4", "203.0.113.66", parseTrustedProxies("10.0.0.0/8"))).toBe("198.51.100.4");
  });

  it("behind trusted proxies, takes the right-most hop that is not a trusted proxy", () => {
    const trusted = parseTrustedProxies("10.0.0.0/8, 192.0.2.7");
    // The client wrote "1.1.1.1" itself; the first proxy appended the address it saw.
    expect(clientAddress("10.1.2.3", "1.1.1.1, 203.0.113.9, 192.0.2.7", trusted)).toBe("203.0.113.9");
    // Several header lines count as one list, in order.
    expect(clientAddress("10.1.2.3", ["1.1.1.1, 203.0.113.9", "10.9.9.9"], trusted)).toBe("203.0.113.9");
    // Every hop trusted: the request started on a proxy's own host.
    expect(clientAddress("10.1.2.3", "10.4.4.4", trusted)).toBe("10.4.4.4");
    // No header at all: the proxy itself.
    expect(clientAddress("10.1.2.3", undefined, trusted)).toBe("10.1.2.3");
    // A hop that is not an address stops the walk at the last trusted one.
    expect(clientAddress("10.1.2.3", "203.0.113.9, unknown", trusted)).toBe("10.1.2.3");
    // Ports that some proxies add are dropped.
    expect(clientAddress("10.1.2.3", "203.0.113.9:5123", trusted)).toBe("203.0.113.9");
  });

  it("handles IPv6 and IPv4-mapped addresses", () => {
    // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d; it matches an IPv4 range.
    expect(clientAddress("::ffff:10.1.2.3", "203.0.113.9", parseTrustedProxies("10.0.0.0/8"))).toBe("203.0.113.9");
    expect(clientAddress("::ffff:198.51.100.4", "203.0.113.9", parseTrustedProxies("10.0.0.0/8"))).toBe("198.51.100.4");
    const v6 = parseTrustedProxies("2001:db8:1::/48");
    expect(clientAddress("2001:DB8:1::5", "[2001:db8:2::9]:443, 2001:db8:1::6", v6)).toBe("2001:db8:2::9");
    expect(clientAddress("2001:db8:9::1", "203.0.113.9", v6)).toBe("2001:db8:9::1");
    expect(clientAddress("::1", "203.0.113.9", parseTrustedProxies("::1"))).toBe("203.0.113.9");
  });

  it("normalizes addresses and refuses what is not one", () => {
    expect(normalizeAddress("::FFFF:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeAddress("fe80::1%eth0")).toBe("fe80::1");
    expect(normalizeAddress("[::1]:8080")).toBe("::1");
    expect(normalizeAddress("example.com")).toBeNull();
    expect(normalizeAddress("")).toBeNull();
    expect(parseTrustedProxies("10.0.0.0/8").has("not an address")).toBe(false);
  });
});

describe("WHARF_TRUSTED_PROXIES", () => {
  it("accepts IPs and CIDR ranges, and names an entry that is neither", () => {
    expect(parseServerEnv({ WHARF_TRUSTED_PROXIES: "10.0.0.0/8, 127.0.0.1, fd00::/8" }).WHARF_TRUSTED_PROXIES).toBe("10.0.0.0/8, 127.0.0.1, fd00::/8");
    expect(() => parseServerEnv({ WHARF_TRUSTED_PROXIES: "10.0.0.0/8, proxy.internal" })).toThrow(/WHARF_TRUSTED_PROXIES: "proxy.internal" is not an IP address/);
    expect(() => parseServerEnv({ WHARF_TRUSTED_PROXIES: "10.0.0.0/33" })).toThrow(/WHARF_TRUSTED_PROXIES: "10.0.0.0\/33" has an invalid prefix length/);
  });
});

describe("address ranges (trusted proxies, the IP allowlist)", () => {
  it("keeps each family to its own entries: ::/0 admits every IPv6 address and no IPv4 one", () => {
    const v6 = parseAddressRanges(["::/0"]);
    expect(v6.has("2001:db8::1")).toBe(true);
    expect(v6.has("10.0.0.1")).toBe(false);
    const v4 = parseAddressRanges(["10.0.0.0/8", "192.0.2.7"]);
    expect(v4.has("10.200.0.1")).toBe(true);
    expect(v4.has("192.0.2.7")).toBe(true);
    expect(v4.has("192.0.2.8")).toBe(false);
    expect(v4.has("2001:db8::1")).toBe(false);
    // An IPv4-mapped client is written in IPv4 form before it is compared (normalizeAddress).
    expect(v4.has(normalizeAddress("::ffff:10.1.2.3")!)).toBe(true);
    expect(parseAddressRanges(["", "  "]).empty).toBe(true);
  });

  it("names what is wrong with an entry", () => {
    expect(addressRangeError("10.0.0.0/8")).toBeNull();
    expect(addressRangeError("fd00::/8")).toBeNull();
    expect(addressRangeError("10.0.0.0/40")).toBe(`"10.0.0.0/40" has an invalid prefix length (0-32 for IPv4)`);
    expect(addressRangeError("::ffff:10.0.0.0/104")).toBe(`"::ffff:10.0.0.0/104": write an IPv4-mapped range in IPv4 form (e.g. 10.0.0.0/8)`);
    expect(addressRangeError("intranet")).toMatch(/^"intranet" is not an IP address or CIDR range/);
  });
});

describe("clientInfoFromHeaders", () => {
  it("reads only the front's header, never X-Forwarded-For or X-Real-IP", () => {
    const spoofed = new Headers({ "x-forwarded-for": "203.0.113.66", "x-real-ip": "203.0.113.67", "user-agent": "curl/8" });
    expect(clientInfoFromHeaders(spoofed)).toEqual({ ip: null, userAgent: "curl/8" });
    spoofed.set(CLIENT_IP_HEADER, "198.51.100.4");
    expect(clientInfoFromHeaders(spoofed)).toEqual({ ip: "198.51.100.4", userAgent: "curl/8" });
  });
});

describe("parseStoredAddressRanges", () => {
  it("skips an entry that no longer parses; a list of only such entries admits nobody, never everybody", () => {
    const mixed = parseStoredAddressRanges(["10.0.0.0/8", "not-an-address"]);
    expect(mixed.has("10.1.2.3")).toBe(true);
    expect(mixed.has("192.0.2.1")).toBe(false);
    const broken = parseStoredAddressRanges(["not-an-address"]);
    expect(broken.empty).toBe(false);
    expect(broken.has("192.0.2.1")).toBe(false);
    expect(parseStoredAddressRanges([]).empty).toBe(true);
  });
});
