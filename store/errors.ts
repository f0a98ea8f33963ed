/** The store's coded errors. Codes are stable; messages may change. */
import { KhutulunError } from '../common/index.js';
import type { KhutulunErrorOptions } from '../common/index.js';

/** Every code the store raises, with what it means (docs/store.md lists them too). */
export const STORE_ERROR_CODES = {
  'KH-STORE-001': 'malformed entity id',
  'KH-STORE-002': 'unknown entity kind',
  'KH-STORE-003': 'malformed deployment name',
  'KH-STORE-004': 'malformed host id',
  'KH-STORE-005': 'entity not found',
  'KH-STORE-006': 'entity already exists',
  'KH-STORE-007': 'deployment not found',
  'KH-STORE-008': 'deployment already exists',
  'KH-STORE-009': 'value is not a valid expression',
  'KH-STORE-010': 'integer out of i64/u64 range',
  'KH-STORE-011': 'malformed entity (wrong field type)',
  'KH-STORE-012': 'write to a read-only property that has a value',
  'KH-STORE-013': 'store is closed',
  'KH-STORE-014': 'storage failure',
  'KH-STORE-015': 'metadata may not contain calls',
  'KH-STORE-016': 'instantiation cancelled by a before-handler',
  'KH-STORE-017': 'edge target could not be selected',
  'KH-STORE-018': 'unknown function',
  'KH-STORE-019': 'function failed',
  'KH-STORE-020': 'malformed JSON for an expression',
  'KH-STORE-021': 'edge endpoint missing',
  'KH-STORE-022': 'document is malformed or from a newer schema',
  'KH-STORE-023': 'only the owning host may write status',
  'KH-STORE-024': 'invalid option',
} as const;

export type StoreErrorCode = keyof typeof STORE_ERROR_CODES;

export function storeError(code: StoreErrorCode, message: string, options: KhutulunErrorOptions = {}): KhutulunError {
  return new KhutulunError(code, message, options);
}
