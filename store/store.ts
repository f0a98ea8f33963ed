/** openStore: the Store implementation (filled in next). */
import type { Store, StoreOptions } from './api.js';
import { storeError } from './errors.js';

export async function openStore(_options: StoreOptions): Promise<Store> {
  throw storeError('KH-STORE-013', 'openStore is not implemented yet');
}
