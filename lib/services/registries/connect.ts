import "server-only";
import { endpointClient, type RegistryAuth, type RegistryEndpoint } from "@/lib/registry/endpoint";
import { RegistryCredentialsError, RegistryError, RegistryUnavailableError } from "@/lib/registry/errors";
import { fetchForTls, type RegistryTls } from "@/lib/registry/tls-fetch";
import { parseBearerChallenge } from "@/lib/registry/token-auth";
import type { CredentialType } from "@/lib/validation/registries";

/**
 * How Wharf connects to a registry endpoint, and what Test connection answers.
 *
 * The stored credential type is Basic or none; whether Basic credentials go to the registry itself
 * or to a token realm is the registry's choice, read from the challenge its `/v2/` answers without
 * credentials (Bearer: the Docker token flow with the same username and password; Basic: HTTP
 * Basic). So an endpoint keeps working when a registry moves from htpasswd to token auth.
 */

export type ConnectionSettings = {
  name?: string;
  url: string;
  credentialType: CredentialType;
  username: string;
  /** The plain password, only in memory. */
  secret: string | null;
  /** Skip TLS verification. */
  insecure: boolean;
  /** PEM certificates of the CAs to trust for this registry (instead of the system's), or null. */
  caCertificate: string | null;
};

/** The settings' TLS part as lib/registry takes it; unset when it is the default verification. */
export function tlsOf(settings: Pick<ConnectionSettings, "insecure" | "caCertificate">): RegistryTls | undefined {
  if (!settings.insecure && !settings.caCertificate) return undefined;
  return { ...(settings.insecure ? { insecure: true } : {}), ...(settings.caCertificate ? { ca: settings.caCertificate } : {}) };
}

/** Why a Test connection failed, for the form and for the stored health. */
export type PingFailureKind = "credentials" | "not_registry" | "unreachable" | "tls" | "error";

export type PingOutcome = { ok: true; message: string } | { ok: false; kind: PingFailureKind; message: string };

const PROBE_TIMEOUT_MS = 10_000;

/** TLS verification failures as Node reports them (`cause.code`). */
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_SIGNATURE_FAILURE",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
]);
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNRESET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);

function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function causeMessage(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    message = current.message;
    current = current.cause;
  }
  return message;
}

/** The auth the registry asks for, from its unauthenticated `/v2/` answer; throws what fetch throws. */
async function probeAuth(settings: ConnectionSettings): Promise<RegistryAuth> {
  const credentials = settings.credentialType === "basic" ? { username: settings.username, password: settings.secret ?? "" } : undefined;
  const res = await fetchForTls(tlsOf(settings))(`${settings.url}/v2/`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: "follow" });
  await res.body?.cancel();
  const challenge = res.headers.get("www-authenticate");
  if (res.status === 401 && challenge && !parseBearerChallenge(challenge) && /^\s*basic\b/i.test(challenge)) {
    return credentials ? { kind: "basic", credentials } : { kind: "none" };
  }
  // A Bearer challenge, or a registry open to all (which may still hand out tokens).
  return { kind: "token", credentials };
}

/** The endpoint as lib/registry's client takes it, with the auth its registry asks for. */
export async function connectionFor(settings: ConnectionSettings): Promise<RegistryEndpoint> {
  // Always named: lib/registry words errors of an unnamed endpoint as the backing registry's.
  const tls = tlsOf(settings);
  return { name: settings.name ?? settings.url, url: settings.url, auth: await probeAuth(settings), ...(tls ? { tls } : {}) };
}

/**
 * Connects and checks, with the credentials, that a Distribution API answers. Every failure is an
 * outcome with a message a person can act on, never a throw. The password is never in a message
 * (lib/registry's messages name the username only).
 */
export async function pingRegistry(settings: ConnectionSettings): Promise<PingOutcome> {
  let endpoint: RegistryEndpoint;
  try {
    endpoint = await connectionFor(settings);
  } catch (error) {
    return failure(error, settings);
  }
  try {
    const { latencyMs } = await endpointClient(endpoint).ping();
    return { ok: true, message: `Connected to ${settings.url} (${latencyMs} ms).` };
  } catch (error) {
    return failure(error, settings);
  }
}

/** Why a request to the endpoint threw, in the words Test connection uses. */
export function describeConnectionFailure(error: unknown, settings: ConnectionSettings): string {
  return failure(error, settings).message;
}

function failure(error: unknown, { url, caCertificate }: ConnectionSettings): PingOutcome {
  const codes = causeCodes(error);
  if (codes.some((c) => TLS_CODES.has(c)) || /certificate|ssl|tls/i.test(causeMessage(error))) {
    return {
      ok: false,
      kind: "tls",
      message: `TLS error talking to ${url}: ${causeMessage(error)}. Check the URL's scheme (http or https) and that the registry's certificate is valid for that host${
        caCertificate ? " and signed by the CA certificate given" : "; for a private CA give its certificate, or tick skip TLS verification"
      }.`,
    };
  }
  if (error instanceof RegistryCredentialsError) {
    return { ok: false, kind: "credentials", message: `Wrong username or password: ${error.message}` };
  }
  if (error instanceof RegistryError) {
    return { ok: false, kind: "not_registry", message: `${url} is not a container registry: it answered HTTP ${error.status} to the registry API (/v2/).` };
  }
  if (error instanceof RegistryUnavailableError && /is not a registry/.test(error.reason)) {
    return { ok: false, kind: "not_registry", message: `${url} is not a container registry: it answered /v2/ without the registry API's Docker-Distribution-Api-Version header.` };
  }
  const unreachable = codes.find((c) => UNREACHABLE_CODES.has(c));
  if (unreachable || (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))) {
    return { ok: false, kind: "unreachable", message: `Cannot reach ${url}: ${unreachable ? `${describeCode(unreachable)} [${unreachable}]` : "no answer in time"}.` };
  }
  if (error instanceof RegistryUnavailableError) return { ok: false, kind: "unreachable", message: error.message };
  return { ok: false, kind: "error", message: `Test connection to ${url} failed: ${causeMessage(error)}` };
}

function describeCode(code: string): string {
  switch (code) {
    case "ECONNREFUSED":
      return "nothing listens on that port (connection refused)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name does not resolve";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "the connection was closed";
    default:
      return "the host did not answer";
  }
}
