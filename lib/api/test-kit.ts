/**
 * Helpers for the REST API tests: requests built the way Next hands them to route handlers, Basic
 * credentials, a minted session cookie, and audit row counting. Every response a test receives
 * through call() is checked against the OpenAPI document (see checkAgainstDocument). Test-only
 * (imported by *.test.ts).
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { type HttpMethod, openApiDocument, type ResponseObject } from "@/lib/api/openapi";
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

/**
 * Calls a route handler as Next would, with the dynamic segments already decoded, and fails unless
 * the answer is one the OpenAPI document gives for that operation and status.
 */
export async function call<P>(handler: Handler<P> | undefined, req: NextRequest, params: P): Promise<Response> {
  if (!handler) throw new Error(`no handler for ${req.method} ${req.url}`);
  const res = await handler(req, { params: Promise.resolve(params) });
  await checkAgainstDocument(req, res);
  return res;
}

const API_PREFIX = "/api/v2.0";
const DOCUMENT_ID = "wharf-openapi.json";

/** The document as JSON Schema 2020-12 (OpenAPI 3.1's dialect); date-times as Date.toISOString and RFC 3339 write them. */
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i);
ajv.addSchema(JSON.parse(JSON.stringify(openApiDocument)) as object, DOCUMENT_ID);

/** `~` and `/` escaped as a JSON pointer segment. */
const pointer = (segment: string) => segment.replace(/~/g, "~0").replace(/\//g, "~1");

/** Document paths as patterns, static paths before templated ones (as Next prefers them). */
const PATH_PATTERNS = Object.keys(openApiDocument.paths)
  .map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }))
  .sort((a, b) => a.params - b.params);

function operationPath(url: URL): string {
  if (!url.pathname.startsWith(API_PREFIX)) throw new Error(`OpenAPI check: ${url.pathname} is not under ${API_PREFIX}`);
  const path = url.pathname.slice(API_PREFIX.length).replace(/\/+$/, "") || "/";
  const match = PATH_PATTERNS.find((p) => p.pattern.test(path));
  if (!match) throw new Error(`OpenAPI check: no operation path matches ${path}`);
  return match.template;
}

function resolveResponse(value: ResponseObject | { $ref: string }): ResponseObject {
  if ("$ref" in value) {
    const name = value.$ref.replace("#/components/responses/", "");
    const found = openApiDocument.components.responses[name];
    if (!found) throw new Error(`OpenAPI check: unresolved ${value.$ref}`);
    return found;
  }
  return value;
}

/** Headers the document marks required must be there; integer headers must be integers. */
function checkHeaders(where: string, response: ResponseObject, headers: Headers): void {
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    const header = openApiDocument.components.headers[value.$ref.replace("#/components/headers/", "")];
    if (!header) throw new Error(`OpenAPI check: unresolved ${value.$ref}`);
    const sent = headers.get(name);
    if (sent === null) {
      if (header.required) throw new Error(`OpenAPI check: ${where} lacks the required header ${name}`);
    } else if (header.schema.type === "integer" && !/^\d+$/.test(sent)) {
      throw new Error(`OpenAPI check: ${where} header ${name} is not an integer: ${sent}`);
    }
  }
}

const validators = new Map<string, ValidateFunction>();

function validatorFor(schemaPointer: string): ValidateFunction {
  let validate = validators.get(schemaPointer);
  if (!validate) {
    validate = ajv.getSchema(`${DOCUMENT_ID}#${schemaPointer}`);
    if (!validate) throw new Error(`OpenAPI check: no schema at ${schemaPointer}`);
    validators.set(schemaPointer, validate);
  }
  return validate;
}

/**
 * Throws unless the response is documented for its request: the operation (path and method)
 * exists, lists the status, and the body matches the documented content (media type and JSON
 * Schema), or is empty where the document gives none. The response itself stays unread.
 */
export async function checkAgainstDocument(req: Request, res: Response): Promise<void> {
  const url = new URL(req.url);
  const template = operationPath(url);
  const method = req.method.toLowerCase() as HttpMethod;
  const where = `${req.method} ${template} -> ${res.status}`;
  const operation = openApiDocument.paths[template]?.[method];
  if (!operation) throw new Error(`OpenAPI check: ${req.method} ${template} is not documented`);
  const documented = operation.responses[String(res.status)];
  if (!documented) throw new Error(`OpenAPI check: ${where} is not documented (documented: ${Object.keys(operation.responses).join(", ")})`);
  const response = resolveResponse(documented);
  checkHeaders(where, response, res.headers);
  const text = method === "head" ? "" : await res.clone().text();
  if (!response.content) {
    if (text !== "") throw new Error(`OpenAPI check: ${where} is documented without a body, got ${text.slice(0, 200)}`);
    return;
  }
  const contentType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (method === "head") return;
  const mediaType = response.content[contentType];
  if (!mediaType) throw new Error(`OpenAPI check: ${where} answered ${contentType || "no content type"}, documented ${Object.keys(response.content).join(", ")}`);
  if (contentType !== "application/json") return;
  // The schema as the document has it, $refs resolved inside the document by ajv.
  const schemaPointer = "$ref" in documented
    ? `/components/responses/${pointer(documented.$ref.replace("#/components/responses/", ""))}/content/${pointer(contentType)}/schema`
    : `/paths/${pointer(template)}/${method}/responses/${res.status}/content/${pointer(contentType)}/schema`;
  const validate = validatorFor(schemaPointer);
  const body: unknown = JSON.parse(text);
  if (!validate(body)) {
    throw new Error(`OpenAPI check: ${where} body does not match the document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 1000)}`);
  }
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
