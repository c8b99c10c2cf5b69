/**
 * Errors from talking to the backing Distribution registry.
 *
 * They are deliberately not AppErrors: a registry 401/404 says something about Wharf's own
 * backend, not about the console user's request, so the gateway decides how each maps to an
 * HTTP answer instead of passing the registry's status through by accident.
 */

/** The registry answered, and refused or could not find what was asked (4xx). */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    /** Distribution error code, e.g. NAME_UNKNOWN, MANIFEST_UNKNOWN, BLOB_UNKNOWN, NAME_INVALID. */
    readonly code: string,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = "RegistryError";
  }
}

/**
 * The registry could not be reached, did not answer in time, answered 5xx, or refused Wharf's own
 * credentials (401): in every case Wharf cannot serve the request until the registry is back.
 * The same holds for a remote registry (replication, proxy cache), named by `registry`.
 */
export class RegistryUnavailableError extends Error {
  /** How the message names the registry: "The backing registry", or "The registry <name>". */
  readonly registry: string;

  constructor(
    readonly baseUrl: string,
    readonly reason: string,
    /** The HTTP status when the registry answered (5xx, or 401); undefined when it did not answer. */
    readonly status?: number,
    /** `verb`: what the message says happened ("" to leave it to the reason), when the registry answered after all. */
    options?: { cause?: unknown; registry?: string; verb?: string },
  ) {
    const registry = options?.registry ?? "The backing registry";
    super(`${registry} at ${baseUrl}${options?.verb === "" ? "" : ` ${options?.verb ?? "is unreachable"}`}: ${reason}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.registry = registry;
    this.name = "RegistryUnavailableError";
  }
}

/**
 * The registry (or its token realm) refused the credentials configured for it: nothing will work
 * until they are fixed, so it is a kind of unavailability (the same 503 wherever that is mapped),
 * told apart for the one who configures the endpoint.
 */
export class RegistryCredentialsError extends RegistryUnavailableError {
  constructor(baseUrl: string, reason: string, options?: { registry?: string; status?: number }) {
    // It answered: the message says it refused, not that it cannot be reached.
    super(baseUrl, reason, options?.status ?? 401, { registry: options?.registry, verb: "" });
    this.name = "RegistryCredentialsError";
  }
}

interface DistributionErrorEntry {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
}

/** Codes for answers without a JSON body: HEAD responses, and read-only mode's text/plain 405. */
const CODE_BY_STATUS: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "DENIED",
  404: "NOT_FOUND",
  405: "UNSUPPORTED",
  429: "TOOMANYREQUESTS",
};

/**
 * Build a RegistryError from a non-2xx answer. Distribution sends
 * `{"errors":[{"code","message","detail"}]}`; only the first entry is used for code and message,
 * and the whole list is kept as detail.
 */
export function registryErrorFromBody(status: number, bodyText: string, what: string): RegistryError {
  const entries = parseErrorEntries(bodyText);
  const first = entries[0];
  if (first && typeof first.code === "string") {
    const message = typeof first.message === "string" && first.message ? first.message : first.code;
    return new RegistryError(status, first.code, `${what}: ${message}`, entries.length > 1 ? entries : first.detail);
  }
  const code = CODE_BY_STATUS[status] ?? "UNKNOWN";
  const text = bodyText.trim().slice(0, 200);
  const hint = status === 405 ? " (is the registry in read-only mode, or is storage.delete disabled?)" : "";
  return new RegistryError(status, code, `${what}: HTTP ${status}${text ? ` ${text}` : ""}${hint}`);
}

function parseErrorEntries(bodyText: string): DistributionErrorEntry[] {
  if (!bodyText) return [];
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (parsed && typeof parsed === "object" && Array.isArray((parsed as { errors?: unknown }).errors)) {
      return (parsed as { errors: unknown[] }).errors.filter(
        (e): e is DistributionErrorEntry => !!e && typeof e === "object",
      );
    }
  } catch {
    // Not JSON (e.g. "Method not allowed" in read-only mode): fall back to the status code.
  }
  return [];
}
