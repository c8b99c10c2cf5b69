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
