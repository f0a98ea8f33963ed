/** Plugin calls in the process metrics: how many, by outcome, and how long their batch took. */
import { defaultMetrics } from '../../common/metrics.js';
import type { PluginCall, PluginCallResult } from './call.js';

const calls = defaultMetrics.counter('khutulun_plugin_calls_total', 'Plugin function calls by plugin and outcome (ok, or the error code).');
const seconds = defaultMetrics.histogram('khutulun_plugin_call_seconds', 'Wall time of plugin calls (the batch each call ran in), by plugin.');

export function recordPluginCalls(batch: readonly PluginCall[], results: readonly PluginCallResult[], elapsedSeconds: number): void {
  batch.forEach((call, i) => {
    const plugin = typeof call?.plugin === 'string' ? call.plugin : 'invalid';
    const r = results[i];
    calls.inc({ plugin, outcome: r === undefined ? 'none' : r.ok ? 'ok' : r.error.code });
    seconds.observe({ plugin }, elapsedSeconds);
  });
}
