/** The one way runtime adapters build their coded errors: code, message, the fix, and whether a retry helps. */
import { KhutulunError } from '../common/index.js';

export interface CodedErrorExtra {
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export function codedError(code: string, message: string, hint: string, extra: CodedErrorExtra = {}): KhutulunError {
  return new KhutulunError(code, message, { retryable: extra.retryable ?? false, hint, ...(extra.details ? { details: extra.details } : {}), ...(extra.cause !== undefined ? { cause: extra.cause } : {}) });
}
