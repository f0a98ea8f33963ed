import type { Agent } from '../agent/index.js';

/** `live page: URL/login?code=… (one-time link, expires at HH:MM)`: what `up` and `agent` print. */
export function livePageLine(agent: Pick<Agent, 'loginLink'>): string {
  try {
    const link = agent.loginLink();
    return `live page: ${link.url} (one-time link, expires ${new Date(link.expiresAt).toISOString().slice(11, 16)} UTC; \`khutulun ui\` prints a new one)`;
  } catch (error) {
    return `live page: not available (${(error as Error).message})`;
  }
}
