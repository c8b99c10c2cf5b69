import "server-only";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { getServerEnv } from "@/lib/env";

/**
 * Secrets Wharf must read back (the token signing key, registry endpoint passwords) stored
 * encrypted with AES-256-GCM under a key derived from WHARF_SECRET_KEY, so a database dump alone
 * reveals none of them. Each kind of secret has its own HKDF subkey (`purpose`), so one
 * WHARF_SECRET_KEY protects them all without key reuse, and each sealed value carries its row's
 * identity as authenticated data (`binding`): copied to another row it no longer opens.
 *
 * Format: `v1.<iv>.<tag>.<ciphertext>`, base64url parts.
 */

const SEAL_VERSION = "v1";

export type SealContext = {
  /** The HKDF info naming the subkey, e.g. "wharf token signing key v1". */
  purpose: string;
  /** Authenticated data binding the value to its row (an id). */
  binding: string;
  /** What the secret is, for error messages ("its token signing key"). */
  what: string;
};

/** The sealed value is in a format this code does not read. */
export class SealedSecretFormatError extends Error {}
/** The value does not open under this WHARF_SECRET_KEY (or was moved to another row). */
export class SealedSecretKeyError extends Error {}

function encryptionKey(purpose: string, what: string): Buffer {
  const secret = getServerEnv().WHARF_SECRET_KEY;
  if (!secret) {
    throw new Error(`WHARF_SECRET_KEY is not set: Wharf cannot encrypt or decrypt ${what}. The launcher sets it; set it when running Next.js directly.`);
  }
  return Buffer.from(hkdfSync("sha256", secret, "wharf", purpose, 32));
}

export function sealSecret(plaintext: string, { purpose, binding, what }: SealContext): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(purpose, what), iv);
  cipher.setAAD(Buffer.from(binding, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [SEAL_VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** Throws SealedSecretFormatError or SealedSecretKeyError; callers word them for their secret. */
export function unsealSecret(sealed: string, { purpose, binding, what }: SealContext): string {
  const [version, iv, tag, ciphertext] = sealed.split(".");
  if (version !== SEAL_VERSION || !iv || !tag || ciphertext === undefined) throw new SealedSecretFormatError(`${what} is stored in an unknown format.`);
  const key = encryptionKey(purpose, what);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(binding, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SealedSecretKeyError(`${what} cannot be decrypted: WHARF_SECRET_KEY is not the key it was stored with.`);
  }
}
