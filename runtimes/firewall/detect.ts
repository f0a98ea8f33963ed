/** Is firewalld usable here? Never throws: the answer says why not and how to fix it. */
import { toErrorData } from '../../common/index.js';
import type { ErrorData } from '../../common/index.js';
import { FirewalldClient } from './firewalld-client.js';
import type { FirewalldClientOptions } from './firewalld-client.js';

export interface FirewallDetection {
  available: boolean;
  address: string;
  /** firewalld's state (RUNNING…) when reachable. */
  state?: string;
  defaultZone?: string;
  /** Why it is not available (coded, with a hint). */
  problem?: ErrorData;
}

export async function detectFirewalld(options: FirewalldClientOptions = {}): Promise<FirewallDetection> {
  const client = new FirewalldClient({ timeoutMs: 10_000, ...options });
  try {
    const state = await client.state();
    const defaultZone = await client.defaultZone();
    return { available: state === 'RUNNING', address: client.address, state, defaultZone };
  } catch (error) {
    return { available: false, address: client.address, problem: toErrorData(error) };
  } finally {
    await client.close();
  }
}
