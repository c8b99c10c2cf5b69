import "server-only";
import { hkdfSync, timingSafeEqual } from "node:crypto";
import { getServerEnv } from "@/lib/env";

/**
 * Wharf's built-in scanner adapter is served by every Wharf instance (app/scanner/api/v1) and
 * registered like any other adapter, with Bearer authorization. Its key is derived from
 * WHARF_SECRET_KEY (an HKDF subkey of its own), so every instance sharing the key accepts it,
 * nothing extra is stored, and changing WHARF_SECRET_KEY changes it (the registration's sealed
 * copy then no longer opens either, and its ping says so).
 */
export const BUILTIN_SCANNER_PATH = "/scanner";

export function builtinAdapterKey(): string {
  const secret = getServerEnv().WHARF_SECRET_KEY;
  if (!secret) throw new Error("WHARF_SECRET_KEY is not set: the built-in scanner adapter has no key. The launcher sets it.");
  return Buffer.from(hkdfSync("sha256", secret, "wharf", "wharf built-in scanner adapter key v1", 32)).toString("base64url");
}

/** The built-in adapter's URL as registered: Wharf's external URL and the adapter's prefix. */
export function builtinAdapterUrl(): string {
  return `${getServerEnv().externalUrl}${BUILTIN_SCANNER_PATH}`;
}

/** Whether a request's Authorization header carries the built-in adapter's key (constant time). */
export function isBuiltinAdapterAuthorization(header: string | null): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1]!, "utf8");
  const expected = Buffer.from(builtinAdapterKey(), "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
