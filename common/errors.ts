/**
 * Coded errors that survive crossing worker threads, Wasm boundaries and JSON.
 *
 * Every error Khutulun raises carries a stable `code` (e.g. `KH-STORE-001`), says whether a retry
 * can help (`retryable`), and may carry a `hint` telling the user what to do. `instanceof` works
 * across realms (piscina workers, vm contexts) through a Symbol.for brand.
 */

const BRAND = Symbol.for('khutulun.error');

export interface ErrorData {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly hint?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: ErrorData;
  readonly stack?: string;
}

export interface KhutulunErrorOptions {
  retryable?: boolean;
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class KhutulunError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: KhutulunErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KhutulunError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.hint = options.hint;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** `code: message (hint)` — the one-line form used by the CLI and logs. */
  override toString(): string {
    return `${this.code}: ${this.message}${this.hint ? ` (${this.hint})` : ''}`;
  }

  toJSON(): ErrorData {
    return toErrorData(this);
  }
}

/** Converts anything thrown into plain, structured-clone-safe data. */
export function toErrorData(error: unknown): ErrorData {
  if (error instanceof KhutulunError) {
    const data: ErrorData = {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
      ...(error.details !== undefined ? { details: error.details } : {}),
      ...(error.cause !== undefined ? { cause: toErrorData(error.cause) } : {}),
      ...(error.stack !== undefined ? { stack: error.stack } : {}),
    };
    return data;
  }
  if (isErrorData(error)) return error;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      code: typeof code === 'string' ? `KH-SYS-${code}` : 'KH-INTERNAL',
      message: error.message,
      retryable: false,
      ...(error.stack !== undefined ? { stack: error.stack } : {}),
      ...(error.cause !== undefined ? { cause: toErrorData(error.cause) } : {}),
    };
  }
  return { code: 'KH-INTERNAL', message: String(error), retryable: false };
}

/** Rebuilds a KhutulunError from its plain form (e.g. after a worker-thread hop). */
export function fromErrorData(data: ErrorData): KhutulunError {
  const error = new KhutulunError(data.code, data.message, {
    retryable: data.retryable,
    ...(data.hint !== undefined ? { hint: data.hint } : {}),
    ...(data.details !== undefined ? { details: { ...data.details } } : {}),
    ...(data.cause !== undefined ? { cause: fromErrorData(data.cause) } : {}),
  });
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** Wraps any thrown value as a KhutulunError, keeping codes that are already there. */
export function asKhutulunError(error: unknown, fallbackCode = 'KH-INTERNAL'): KhutulunError {
  if (error instanceof KhutulunError) return error;
  if (isErrorData(error)) return fromErrorData(error);
  const data = toErrorData(error);
  return new KhutulunError(data.code === 'KH-INTERNAL' ? fallbackCode : data.code, data.message, { cause: error });
}

export function isErrorData(value: unknown): value is ErrorData {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorData).code === 'string' &&
    typeof (value as ErrorData).message === 'string' &&
    typeof (value as ErrorData).retryable === 'boolean'
  );
}

/** True when retrying the failed operation may succeed. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof KhutulunError) return error.retryable;
  if (isErrorData(error)) return error.retryable;
  return false;
}
