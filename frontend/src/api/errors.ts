/**
 * Typed errors thrown by the API client. Components branch on the class (instanceof),
 * never on raw status codes.
 *
 * Server bodies follow DRF: {"detail": "...", "code": "..."} for non-field errors,
 * {"field": ["message", ...]} for validation errors. Only such a JSON object is read for
 * messages: any other body (Django's HTML debug page for a host outside ALLOWED_HOSTS, a
 * proxy's error page, plain text) gives a message of our own chosen by the status, since
 * its text was never meant for the user and may be a whole page.
 */

export class ApiError extends Error {
  override name = 'ApiError';
  /** HTTP status; 0 when no response was received. */
  readonly status: number;
  /** Machine-readable `code` of a {detail, code} body, e.g. "token_not_valid". */
  readonly code: string | undefined;
  /** The parsed response body (JSON when possible, else text): for debugging, never shown. */
  readonly body: unknown;

  constructor(message: string, status: number, code?: string, body?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export type FieldErrors = Record<string, string[]>;

/** 400 with per-field messages; `non_field_errors`/`detail` land in `fieldErrors` too. */
export class ValidationError extends ApiError {
  override name = 'ValidationError';
  readonly fieldErrors: FieldErrors;

  constructor(fieldErrors: FieldErrors, body?: unknown) {
    const first = Object.values(fieldErrors).flat()[0];
    super(first ?? 'Invalid input.', 400, 'invalid', body);
    this.fieldErrors = fieldErrors;
  }
}

/** 401: missing, expired or revoked credentials, or wrong email/password at login. */
export class UnauthorizedError extends ApiError {
  override name = 'UnauthorizedError';
}

export class ForbiddenError extends ApiError {
  override name = 'ForbiddenError';
}

export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
}

/** 429; `retryAfter` is the Retry-After header in seconds (null when absent). */
export class RateLimitError extends ApiError {
  override name = 'RateLimitError';
  readonly retryAfter: number | null;

  constructor(message: string, retryAfter: number | null, code?: string, body?: unknown) {
    super(message, 429, code, body);
    this.retryAfter = retryAfter;
  }
}

/** fetch() itself rejected: server down, DNS, CORS refusal, connection reset... */
export class NetworkError extends ApiError {
  override name = 'NetworkError';

  constructor(cause: unknown) {
    super('Cannot reach the server. Check your connection and try again.', 0, 'network_error');
    this.cause = cause;
  }
}

/** A 2xx answer whose body is not JSON: not the API talking (a proxy's or a dev server's page). */
export class UnreadableResponseError extends ApiError {
  override name = 'UnreadableResponseError';

  constructor(status: number, body: unknown) {
    super('The server sent an answer this app cannot read. Try again later.', status, 'not_json', body);
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The message of a failed response whose body is not the API's JSON: chosen by the status
 * alone, never taken from the body.
 */
export function statusMessage(status: number): string {
  if (status >= 500) return 'The server had a problem. Try again later.';
  switch (status) {
    case 401:
      return 'Authentication required.';
    case 404:
      return 'Not found.';
    case 429:
      return 'Too many attempts. Please wait and try again.';
    default:
      return `The server refused the request (error ${status}). Try again later.`;
  }
}

/** Turns a DRF validation body into {field: [messages]}, flattening odd shapes to strings. */
export function toFieldErrors(body: unknown): FieldErrors {
  if (!isRecord(body)) return { non_field_errors: [statusMessage(400)] };
  const out: FieldErrors = {};
  for (const [field, value] of Object.entries(body)) {
    if (field === 'code') continue; // machine word accompanying `detail`, not a message
    if (Array.isArray(value)) out[field] = value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    else if (typeof value === 'string') out[field] = [value];
    else out[field] = [JSON.stringify(value)];
  }
  return out;
}

/**
 * Builds the right ApiError subclass for a non-2xx response whose body was already parsed.
 * Messages come from the body only when it is a JSON object (see the top of this file).
 */
export function errorFromResponse(status: number, headers: Headers, body: unknown): ApiError {
  const detail = isRecord(body) && typeof body.detail === 'string' ? body.detail : undefined;
  const code = isRecord(body) && typeof body.code === 'string' ? body.code : undefined;
  const message = detail ?? statusMessage(status);
  switch (status) {
    case 400:
      return new ValidationError(toFieldErrors(body), body);
    case 401:
      return new UnauthorizedError(message, 401, code, body);
    case 403:
      return new ForbiddenError(message, 403, code, body);
    case 404:
      return new NotFoundError(message, 404, code, body);
    case 429:
      return new RateLimitError(message, parseRetryAfter(headers.get('Retry-After')), code, body);
    default:
      return new ApiError(message, status, code, body);
  }
}
