/**
 * Helpers for the REST API tests: requests built the way Next hands them to route handlers, Basic
 * credentials, a minted session cookie, and audit row counting. Test-only (imported by *.test.ts).
 */
import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { startSession } from "@/lib/services/auth/sessions";
import { createTestUser, db, TEST_PASSWORD } from "@/lib/testing/factories";

export const ORIGIN = "http://localhost:3000";

export function basic(username: string, password: string = TEST_PASSWORD): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

export type RequestOptions = {
  method?: string;
  /** An Authorization header value (see basic()). */
  auth?: string;
  headers?: Record<string, string>;
  /** A value to send as JSON, or a raw string sent as is. */
  body?: unknown;
};

export function apiRequest(path: string, { method = "GET", auth, headers = {}, body }: RequestOptions = {}): NextRequest {
  // The client address as Wharf's HTTP front passes it on (lib/auth/client-address.ts).
  const all: Record<string, string> = { "user-agent": "vitest", "x-wharf-client-ip": "192.0.2.20", ...headers };
  if (auth) all.authorization = auth;
  let payload: string | undefined;
  if (body !== undefined) {
    payload = typeof body === "string" ? body : JSON.stringify(body);
    all["content-type"] ??= "application/json";
  }
  return new NextRequest(new URL(`/api/v2.0${path}`, ORIGIN), { method, headers: all, body: payload });
}

type Handler<P> = (req: NextRequest, context: { params: Promise<P> }) => Promise<Response>;

/** Calls a route handler as Next would, with the dynamic segments already decoded. */
export function call<P>(handler: Handler<P> | undefined, req: NextRequest, params: P): Promise<Response> {
  if (!handler) throw new Error(`no handler for ${req.method} ${req.url}`);
  return handler(req, { params: Promise.resolve(params) });
}

export function auditCount(): Promise<number> {
  return db.auditEvent.count();
}

/** A signed-in user's session cookie, minted as next-auth would (uid/sv/sid claims, same secret), with its session row. */
export async function sessionCookieFor(user: { id: number; username: string; sessionVersion: number }): Promise<string> {
  const sid = await db.$transaction((tx) => startSession(tx, user.id));
  const token = await encode({
    token: { name: user.username, sub: String(user.id), uid: user.id, sv: user.sessionVersion, sid },
    secret: process.env.NEXTAUTH_SECRET ?? "",
  });
  return `next-auth.session-token=${token}`;
}

export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  expectOneError(body);
  return body.errors[0]!;
}

function expectOneError(body: { errors?: unknown[] }) {
  if (!Array.isArray(body.errors) || body.errors.length !== 1) throw new Error(`expected one error, got ${JSON.stringify(body)}`);
}

export { createTestUser, db, TEST_PASSWORD };
