/**
 * The credentials Wharf presents to its backing registry. The registry Wharf runs itself accepts
 * nothing else (htpasswd auth, see local-registry.ts), so reaching its port is not enough to read
 * or write images behind Wharf's back.
 */
export type RegistryCredentials = { username: string; password: string };

/** HTTP Basic, as Distribution's htpasswd auth (and most registries' basic auth) expects it. */
export function basicAuthorization({ username, password }: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/**
 * Why a username or password cannot be used, or null. bcrypt (the only hash Distribution's
 * htpasswd accepts) reads at most 72 bytes of a password and Distribution refuses longer ones
 * outright, so a longer password would lock Wharf out of its own registry. A colon cannot be
 * part of a Basic-auth username, and control characters have no place in either.
 */
export function registryUsernameProblem(username: string): string | null {
  if (username.length === 0 || username.length > 64) return "must be 1-64 characters";
  if (/[:\s\x00-\x1f\x7f]/.test(username)) return "must not contain a colon, whitespace or control characters";
  return null;
}

export function registryPasswordProblem(password: string): string | null {
  if (password.length === 0) return "must not be empty";
  if (Buffer.byteLength(password, "utf8") > 72) return "must be at most 72 bytes (bcrypt's limit)";
  if (/[\x00-\x1f\x7f]/.test(password)) return "must not contain control characters";
  return null;
}
