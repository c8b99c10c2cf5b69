import "server-only";
import http from "node:http";
import https from "node:https";
import type { Actor } from "@/lib/auth/actor";
import { db } from "@/lib/db/client";
import { ValidationError } from "@/lib/errors";
import { recordAuditEvent } from "@/lib/services/audit/record-audit-event";
import { assertSystemPermission } from "@/lib/services/authz/assert-can";
import { OIDC_CONFIG_KEY, readStoredOidcEndpoint } from "@/lib/services/identity/oidc/settings";
import type { TOidcTestConnection } from "@/lib/validation/oidc";

/** What Test connection reports of a discovery document. */
export type OidcDiscovery = {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint: string | null;
  jwksUri: string;
  scopesSupported: string[];
};

export type OidcConnectionResult = { ok: true; discovery: OidcDiscovery } | { ok: false; error: string };

const TIMEOUT_MS = 5_000;
const MAX_BYTES = 256 * 1024;

/**
 * The agent for an identity provider's TLS: Node's default (the system's CAs) unless the
 * verify-certificate switch is off, for a provider with a self-signed certificate. Only then is
 * the certificate not checked; next-auth's requests (openid-client) get the same agent.
 */
export function oidcHttpsAgent(verifyCertificate: boolean): https.Agent | undefined {
  return verifyCertificate ? undefined : new https.Agent({ rejectUnauthorized: false });
}

export function discoveryUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/**
 * Fetches and checks `<issuer>/.well-known/openid-configuration`. Never throws: a failure is a
 * sentence an administrator can act on.
 */
export async function fetchOidcDiscovery(issuer: string, { verifyCertificate }: { verifyCertificate: boolean }): Promise<OidcConnectionResult> {
  const url = discoveryUrlOf(issuer);
  let body: string;
  try {
    const res = await get(url, verifyCertificate);
    if (res.status !== 200) return { ok: false, error: `${url} answered HTTP ${res.status}: is the issuer URL right?` };
    body = res.body;
  } catch (err) {
    return { ok: false, error: `Cannot read ${url}: ${describeNetworkError(err)}` };
  }
  let doc: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    doc = parsed as Record<string, unknown>;
  } catch {
    return { ok: false, error: `${url} is not an OpenID Connect discovery document (not a JSON object).` };
  }
  const str = (key: string) => (typeof doc[key] === "string" && doc[key] !== "" ? (doc[key] as string) : null);
  const missing = ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"].filter((k) => str(k) === null);
  if (missing.length > 0) return { ok: false, error: `The discovery document at ${url} lacks ${missing.join(", ")}.` };
  // ID tokens are checked against the discovered issuer: one that differs from the configured URL
  // (a trailing path, another host name) would fail every sign-in, so it is reported now.
  if (str("issuer")!.replace(/\/+$/, "") !== issuer.replace(/\/+$/, "")) {
    return { ok: false, error: `The provider names its issuer ${str("issuer")}, not ${issuer}: use exactly that as the issuer URL.` };
  }
  return {
    ok: true,
    discovery: {
      issuer: str("issuer")!,
      authorizationEndpoint: str("authorization_endpoint")!,
      tokenEndpoint: str("token_endpoint")!,
      userinfoEndpoint: str("userinfo_endpoint"),
      jwksUri: str("jwks_uri")!,
      scopesSupported: Array.isArray(doc.scopes_supported) ? doc.scopes_supported.filter((s): s is string => typeof s === "string") : [],
    },
  };
}

/**
 * Administrators: Test connection with the issuer and switch given (the form's, saved or not),
 * or the stored ones. Changes nothing, but Wharf connected somewhere at the caller's request: one
 * `oidc.test_connection` row with the issuer and the outcome (as registry endpoints' pings).
 */
export async function testOidcConnection({ actor, input }: { actor: Actor; input: TOidcTestConnection | null }): Promise<OidcConnectionResult> {
  const resource = { type: "setting", name: OIDC_CONFIG_KEY };
  await assertSystemPermission(actor, "setting.update", resource, "oidc.test_connection");
  const endpoint = input ?? (await readStoredOidcEndpoint());
  if (!endpoint) throw new ValidationError("Enter the issuer URL first.", { issuer: ["Issuer URL is required"] });
  const result = await fetchOidcDiscovery(endpoint.issuer, endpoint);
  await db.$transaction((tx) =>
    recordAuditEvent(tx, {
      actor,
      action: "oidc.test_connection",
      resource,
      detail: { issuer: endpoint.issuer, verify_certificate: endpoint.verifyCertificate, ok: result.ok, ...(result.ok ? {} : { error: result.error.slice(0, 500) }) },
    }),
  );
  return result;
}

function get(url: string, verifyCertificate: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = (target.protocol === "https:" ? https : http).get(
      target,
      { timeout: TIMEOUT_MS, headers: { accept: "application/json" }, ...(target.protocol === "https:" ? { agent: oidcHttpsAgent(verifyCertificate) } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BYTES) {
            request.destroy(new Error("the answer is larger than 256 KiB"));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.on("error", reject);
  });
}

function describeNetworkError(err: unknown): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (is the provider running, and the port right?)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name does not resolve";
    case "ECONNRESET":
      return "the connection was reset";
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
    case "CERT_HAS_EXPIRED":
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `its TLS certificate is not trusted (${code}); for a self-signed provider, turn off "Verify certificate"`;
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
