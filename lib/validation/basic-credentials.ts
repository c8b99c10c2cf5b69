import { UnauthenticatedError } from "@/lib/errors";
import { CONTROL_CHARACTERS } from "@/lib/validation/common";

export type BasicCredentials = { username: string; password: string };

/**
 * `Basic base64(username:password)`, as the REST API, the token service and the /v2 gateway read
 * it. Only the first ':' splits (passwords may contain more). Null when the header is not Basic
 * credentials Wharf can use (then the caller answers 401 "send Basic credentials").
 *
 * A username with a control character is refused here with its own 401: it can name no account
 * (usernames cannot hold one), and Postgres refuses a NUL in a query parameter outright, so it must
 * not reach the account lookup or the sign-in throttle.
 */
export function parseBasicCredentials(header: string): BasicCredentials | null {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header.trim());
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username.length > 255 || password.length > 1024) return null;
  if (CONTROL_CHARACTERS.test(username)) throw new UnauthenticatedError("The username must not contain control characters.");
  return { username, password };
}
