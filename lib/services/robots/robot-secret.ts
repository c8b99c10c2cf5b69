import { createHash, randomBytes } from "node:crypto";

/** Harbor's robot_name_prefix: login names are robot$<project>+<name> or robot$<name>. */
export const ROBOT_NAME_PREFIX = "robot$";

/**
 * 32 random bytes (256 bits) as base64url, with a fixed tail so every secret also meets Harbor's
 * password rule (upper, lower, digit) for clients that check it.
 */
export function generateRobotSecret(): string {
  return `${randomBytes(32).toString("base64url")}Rb7`;
}

/**
 * Robot secrets are random with 256 bits of entropy, so a plain SHA-256 cannot be brute-forced
 * and is fast enough to check on every registry request (unlike a password, no slow KDF needed).
 */
export function hashRobotSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/**
 * Harbor's robot secret policy (its isValidSec), for a secret the caller chooses on PATCH
 * /robots/{id}: 8-128 characters with at least one uppercase letter, one lowercase letter and one
 * digit. Returns the message for the `secret` field, or null when the secret meets it.
 */
export function robotSecretPolicyError(secret: string): string | null {
  if (secret.length < 8 || secret.length > 128) return "must be 8-128 characters";
  if (!/[A-Z]/.test(secret) || !/[a-z]/.test(secret) || !/[0-9]/.test(secret)) {
    return "must contain at least one uppercase letter, one lowercase letter and one digit";
  }
  return null;
}

/**
 * A chosen secret may be as weak as the policy allows, so unlike a generated one its SHA-256 could
 * be brute-forced from a copy of the database: it is stored as an argon2id PHC string, as passwords
 * are. The two kinds of stored value are told apart by that string's `$argon2` prefix (hex never
 * starts with `$`).
 */
export function isChosenSecretHash(stored: string): boolean {
  return stored.startsWith("$argon2");
}

export function robotLoginName(name: string, projectName: string | null): string {
  return projectName ? `${ROBOT_NAME_PREFIX}${projectName}+${name}` : `${ROBOT_NAME_PREFIX}${name}`;
}
