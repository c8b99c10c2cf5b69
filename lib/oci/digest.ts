/**
 * Content digests as the registry writes them (`<algorithm>:<hex>`). Only the format is checked
 * here; hashing needs node:crypto and stays with the code that has it (lib/registry/client.ts).
 */

const DIGEST_RE = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** sha256:<64 lowercase hex> or sha512:<128 lowercase hex>, the two algorithms Distribution accepts. */
export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** The algorithm a digest (or a prefix like "sha512:") names; sha256 unless it says sha512. */
export function digestAlgorithmOf(like: string): "sha256" | "sha512" {
  return like.startsWith("sha512:") ? "sha512" : "sha256";
}
