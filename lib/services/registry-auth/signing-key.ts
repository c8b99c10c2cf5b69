import "server-only";
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { type SealContext, SealedSecretFormatError, SealedSecretKeyError, sealSecret, unsealSecret } from "@/lib/crypto/sealed-secret";
import { db } from "@/lib/db/client";

/**
 * The key pair that signs registry tokens. Wharf generates it once and keeps it in Postgres, so
 * every instance signs and verifies with the same key and tokens survive restarts. The private key
 * is stored encrypted (AES-256-GCM) under a key derived from WHARF_SECRET_KEY: a database dump
 * alone cannot mint tokens.
 *
 * The newest row signs; every row verifies (a token's `kid` picks its row), which leaves room for
 * rotation: insert a new row, and tokens signed by the old one stay valid until they expire.
 */
export const TOKEN_ALGORITHM = "ES256";

export type SigningKey = { kid: string; privateKey: KeyObject };
type KeyState = { signing: SigningKey; verifying: Map<string, KeyObject>; loadedAt: number };

/** A `kid` we do not know triggers a reload (another instance may have rotated), at most this often. */
const RELOAD_INTERVAL_MS = 5_000;
/** Arbitrary constant that names "token signing key creation" among Postgres advisory locks. */
const CREATE_LOCK_ID = 0x77_68_61_72_66_01n; // "wharf" + 1

// Kept on globalThis: Next bundles route handlers separately, and each bundle would otherwise
// load (and decrypt) its own copy.
const globalState = globalThis as unknown as { wharfTokenKeys?: Promise<KeyState> };
let lastReload = 0;

export async function getSigningKey(): Promise<SigningKey> {
  return (await keyState()).signing;
}

/** The public key for a token's `kid`, or null when no key of Wharf's has that id. */
export async function getVerificationKey(kid: string): Promise<KeyObject | null> {
  const known = (await keyState()).verifying.get(kid);
  if (known) return known;
  if (Date.now() - lastReload < RELOAD_INTERVAL_MS) return null;
  lastReload = Date.now();
  globalState.wharfTokenKeys = loadKeys();
  return (await keyState()).verifying.get(kid) ?? null;
}

/** Forgets the cached keys (tests that rotate or delete keys). */
export function resetSigningKeyCache(): void {
  globalState.wharfTokenKeys = undefined;
  lastReload = 0;
}

function keyState(): Promise<KeyState> {
  const pending = (globalState.wharfTokenKeys ??= loadKeys());
  // A failed load (database down) must not be remembered forever.
  pending.catch(() => {
    if (globalState.wharfTokenKeys === pending) globalState.wharfTokenKeys = undefined;
  });
  return pending;
}

async function loadKeys(): Promise<KeyState> {
  let rows = await readRows();
  if (rows.length === 0) {
    await createKeyIfMissing();
    rows = await readRows();
  }
  const newest = rows[0];
  if (!newest) throw new Error("No token signing key exists, and none could be created.");
  const verifying = new Map(rows.map((row) => [row.kid, createPublicKey(row.publicKeyPem)]));
  const privateKey = createPrivateKey(unseal(newest.privateKeyEncrypted, newest.kid));
  return { signing: { kid: newest.kid, privateKey }, verifying, loadedAt: Date.now() };
}

function readRows() {
  return db.tokenSigningKey.findMany({
    where: { algorithm: TOKEN_ALGORITHM },
    orderBy: { id: "desc" },
    select: { kid: true, privateKeyEncrypted: true, publicKeyPem: true },
  });
}

/**
 * Exported for the test that races it. Several instances may start at once against an empty table. The advisory lock (held until the
 * transaction ends) lets exactly one of them create the key; the others find it when they get
 * the lock.
 */
export async function createKeyIfMissing(): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(${CREATE_LOCK_ID})::text`;
    const existing = await tx.tokenSigningKey.count({ where: { algorithm: TOKEN_ALGORITHM } });
    if (existing > 0) return;
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const kid = libtrustKeyId(publicKey);
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    await tx.tokenSigningKey.create({
      data: {
        kid,
        algorithm: TOKEN_ALGORITHM,
        privateKeyEncrypted: seal(pkcs8, kid),
        publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      },
      select: { id: true },
    });
  });
}

// ---- key id ----

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * The libtrust key id (what Distribution expects in a token's `kid` header): the first 240
 * bits of sha256(DER SubjectPublicKeyInfo), base32 without padding, in 12 groups of 4 joined by
 * ':'. Stable for a key, and lets a plain Distribution verify Wharf's tokens if ever configured so.
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: "spki", format: "der" });
  const bytes = createHash("sha256").update(spki).digest().subarray(0, 30);
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  // 240 bits is a multiple of 5, so nothing is left over.
  return out.match(/.{4}/g)?.join(":") ?? out;
}

// ---- encryption at rest ----

/** The signing key's own subkey; the kid is authenticated data, binding blob to row. */
const sealContext = (kid: string): SealContext => ({ purpose: "wharf token signing key v1", binding: kid, what: "its token signing key" });

/** `v1.<iv>.<tag>.<ciphertext>` (lib/crypto/sealed-secret.ts). */
export function seal(plaintext: string, kid: string): string {
  return sealSecret(plaintext, sealContext(kid));
}

export function unseal(sealed: string, kid: string): string {
  try {
    return unsealSecret(sealed, sealContext(kid));
  } catch (error) {
    if (error instanceof SealedSecretFormatError) throw new Error(`The token signing key ${kid} is stored in an unknown format.`);
    if (error instanceof SealedSecretKeyError) {
      throw new Error(
        `The token signing key ${kid} cannot be decrypted: WHARF_SECRET_KEY is not the key it was stored with. Restore the previous WHARF_SECRET_KEY (every instance must share one).`,
      );
    }
    throw error;
  }
}
