/**
 * `--disconnect replace=true,grace-ms=15000,lost-after-ms=300000,reconcile=best-score,stop-on-client-after-ms=60000`:
 * the disconnect policy as one command-line value (Nomad's vocabulary; docs/cluster.md).
 */
import { KhutulunError } from '../common/index.js';
import { disconnectPolicy } from '../scheduler/index.js';
import type { DisconnectPolicy } from '../scheduler/index.js';

const HINT = 'write KEY=VALUE,... with replace=true|false, grace-ms=N, lost-after-ms=N, reconcile=keep-original|keep-replacement|best-score, stop-on-client-after-ms=N|never';

export function parseDisconnectPolicy(text: string): DisconnectPolicy {
  const out: { -readonly [K in keyof DisconnectPolicy]?: DisconnectPolicy[K] } = {};
  const ms = (key: string, v: string): number => {
    if (!/^\d+$/.test(v)) throw new KhutulunError('KH-AGENT-POLICY', `--disconnect ${key} wants milliseconds, got "${v}"`, { hint: HINT });
    return Number(v);
  };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    switch (key) {
      case 'replace':
        if (value !== 'true' && value !== 'false') throw new KhutulunError('KH-AGENT-POLICY', `--disconnect replace wants true or false, got "${value}"`, { hint: HINT });
        out.replace = value === 'true';
        break;
      case 'grace-ms':
        out.graceMs = ms(key, value);
        break;
      case 'lost-after-ms':
        out.lostAfterMs = ms(key, value);
        break;
      case 'stop-on-client-after-ms':
        out.stopOnClientAfterMs = value === 'never' ? null : ms(key, value);
        break;
      case 'reconcile':
        if (value !== 'keep-original' && value !== 'keep-replacement' && value !== 'best-score') {
          throw new KhutulunError('KH-AGENT-POLICY', `--disconnect reconcile wants keep-original, keep-replacement or best-score, got "${value}"`, { hint: HINT });
        }
        out.reconcile = value;
        break;
      default:
        throw new KhutulunError('KH-AGENT-POLICY', `--disconnect: unknown key "${key}"`, { hint: HINT });
    }
  }
  // The shared validation (grace <= lost-after, ...), its message in the flag's own words.
  try {
    return disconnectPolicy(out);
  } catch (error) {
    const message = String((error as { message?: unknown }).message ?? error)
      .replace(/\bgraceMs\b/g, 'grace-ms')
      .replace(/\blostAfterMs\b/g, 'lost-after-ms')
      .replace(/\bstopOnClientAfterMs\b/g, 'stop-on-client-after-ms');
    throw new KhutulunError('KH-AGENT-POLICY', `--disconnect: ${message}`, { hint: HINT });
  }
}
