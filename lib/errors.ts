/**
 * Errors the service layer throws on purpose. Each carries an HTTP status and a Harbor error code,
 * so routes, actions and the registry gateway map them the same way. Anything else is a bug:
 * callers log it and answer with a generic message.
 */
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** What next-auth hands the sign-in form when a code is needed (lib/auth/browser-session.ts reads it). */
export const TWO_FACTOR_REQUIRED = "Enter the code from your authenticator app.";

export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly fieldErrors: FieldErrors = {},
  ) {
    super(message, 400, "BAD_REQUEST");
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = "Sign in to continue.") {
    super(message, 401, "UNAUTHORIZED");
  }
}

/**
 * The password was right and the account has two-factor sign-in on: the sign-in form asks for the
 * code and sends both again. Its message is the marker the form recognises (TWO_FACTOR_REQUIRED).
 */
export class TwoFactorRequiredError extends AppError {
  constructor() {
    super(TWO_FACTOR_REQUIRED, 401, "TWO_FACTOR_REQUIRED");
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You do not have permission to do that.") {
    super(message, 403, "FORBIDDEN");
  }
}

export class NotFoundError extends AppError {
  constructor(message = "Not found.") {
    super(message, 404, "NOT_FOUND");
  }
}

export class ConflictError extends AppError {
  constructor(
    message: string,
    readonly fieldErrors: FieldErrors = {},
  ) {
    super(message, 409, "CONFLICT");
  }
}

/** Sign-in refused because of too many recent failures for the username. */
export class SignInLockedError extends AppError {
  constructor(readonly lockedUntil: Date) {
    const minutes = Math.max(1, Math.ceil((lockedUntil.getTime() - Date.now()) / 60_000));
    super(
      `Too many failed sign-ins for this username. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      429,
      "TOO_MANY_REQUESTS",
    );
  }
}

/**
 * Connection-level failures that mean "Postgres is not reachable right now", not a bug: Prisma's
 * P1001 (cannot reach), P1002 (timed out), P1008 (operation timed out), P1017 (server closed the
 * connection) and its initialization error; Postgres's SQLSTATE class 08 (connection exception),
 * 57P01-57P03 (shutting down, cannot connect now) and 53300 (too many connections); and the
 * socket errors node-postgres passes through; and the kinds Prisma's driver adapter reports on
 * raw queries (P2010 with `meta.driverAdapterError.cause.kind`). Looked up on the error and its
 * causes, where the driver adapter puts the database's own error.
 */
const DRIVER_UNAVAILABLE_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const DATABASE_UNAVAILABLE_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "57P01", "57P02", "57P03", "53300", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"]);

export function isDatabaseUnavailableError(err: unknown): boolean {
  return someErrorInChain(err, (rec) => {
    if (rec.name === "PrismaClientInitializationError") return true;
    if (typeof rec.kind === "string" && DRIVER_UNAVAILABLE_KINDS.has(rec.kind)) return true;
    return [rec.code, rec.originalCode, rec.errorCode].some(
      (code) => typeof code === "string" && (DATABASE_UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)),
    );
  });
}

/** The fields drivers and Prisma put on an error (and on the errors it wraps). */
export type ErrorRecord = { name?: unknown; kind?: unknown; code?: unknown; originalCode?: unknown; errorCode?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };

/**
 * Whether `err` or any error it wraps matches: Prisma's driver adapter puts the database's own
 * error on `cause` or under `meta.driverAdapterError`, and an AggregateError holds several.
 */
export function someErrorInChain(err: unknown, matches: (rec: ErrorRecord) => boolean): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length) {
    const e = queue.shift();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const rec = e as ErrorRecord;
    if (matches(rec)) return true;
    queue.push(rec.cause, rec.meta?.driverAdapterError);
    if (e instanceof AggregateError) queue.push(...e.errors);
  }
  return false;
}

/** Seconds a client is asked to wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 10;
