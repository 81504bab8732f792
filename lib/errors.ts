/**
 * Domain and permission failures (the second error channel, docs/code-style.md#principles, 6). Expected validation
 * problems are returned to forms as data instead; these are thrown and mapped once to HTTP codes.
 */
export type AppErrorCode = "unauthenticated" | "forbidden" | "not_found" | "conflict" | "invalid" | "rate_limited";

export const HTTP_STATUS: Record<AppErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid: 422,
  rate_limited: 429,
};

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
