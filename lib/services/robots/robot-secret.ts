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

export function robotLoginName(name: string, projectName: string | null): string {
  return projectName ? `${ROBOT_NAME_PREFIX}${projectName}+${name}` : `${ROBOT_NAME_PREFIX}${name}`;
}
