import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

type LocalSecrets = { NEXTAUTH_SECRET: string; WHARF_SECRET_KEY: string };

/**
 * Secrets a single-machine Wharf needs but the operator did not set: generated once into the data
 * directory (mode 0600) and reused on every start, so sessions and encrypted data survive restarts.
 * Production sets NEXTAUTH_SECRET and WHARF_SECRET_KEY in the environment instead, shared by every
 * instance.
 */
export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  const file = path.join(dataDir, "secrets.json");
  try {
    const stored = JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>;
    if (stored.NEXTAUTH_SECRET && stored.WHARF_SECRET_KEY) return stored as LocalSecrets;
  } catch {
    // first start: nothing stored yet
  }
  const secrets: LocalSecrets = {
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    WHARF_SECRET_KEY: randomBytes(32).toString("base64url"),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
