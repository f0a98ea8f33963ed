/**
 * The piscina worker: runs a batch of plugin calls (or a describe) and answers plain data.
 * Every call's failure is its own result; the task itself only fails when the worker is cut
 * (timeout) or dies, which the host handles.
 */
import v8 from 'node:v8';
import { toErrorData } from '../../common/index.js';
import { PluginErrorCode, pluginErrorData } from './errors.js';
import { loadPlugin, runCall, runDescribe } from './instance.js';
import type { LoadedPlugin } from './instance.js';
import { PROGRESS_BEGUN, PROGRESS_STARTED } from './wire.js';
import type { BatchReply, BatchTask, DescribeReply, DescribeTask, WireResult, WorkerTask } from './wire.js';

// QuickJS components use extended-const; Node 20 ships it behind a flag that NODE_OPTIONS refuses.
v8.setFlagsFromString('--experimental-wasm-extended-const');

async function runBatch(task: BatchTask): Promise<BatchReply> {
  const progress = new Int32Array(task.progress);
  Atomics.store(progress, PROGRESS_BEGUN, 1);
  const loaded = new Map<string, LoadedPlugin | Exclude<WireResult, string>>();
  for (const call of task.calls) {
    if (loaded.has(call.plugin)) continue;
    const spec = task.plugins[call.plugin];
    if (!spec) continue;
    try {
      loaded.set(call.plugin, await loadPlugin(spec, task.maxMemoryBytes));
    } catch (error) {
      const data = toErrorData(error);
      loaded.set(call.plugin, {
        ok: false,
        error: pluginErrorData(PluginErrorCode.load, `plugin ${spec.id} failed to load: ${data.message}`, {
          hint: 'rebuild the plugin for plugins/wit/khutulun.wit; see docs/plugins.md',
        }),
      });
    }
  }
  const results: WireResult[] = [];
  for (const [i, call] of task.calls.entries()) {
    Atomics.store(progress, PROGRESS_STARTED, i + 1);
    const spec = task.plugins[call.plugin];
    let plugin = loaded.get(call.plugin);
    if (!spec || !plugin) {
      results.push({ ok: false, error: pluginErrorData(PluginErrorCode.unknown, `no plugin ${call.plugin} is registered`) });
      continue;
    }
    if ('ok' in plugin) {
      results.push(plugin);
      continue;
    }
    const result = runCall(plugin, spec, call, task.maxMemoryBytes);
    results.push(result);
    if (typeof result !== 'string') {
      // The instance may have been dropped (trap, memory): reload for the following calls.
      plugin = await loadPlugin(spec, task.maxMemoryBytes).catch((error: unknown) => ({ ok: false as const, error: toErrorData(error) }));
      loaded.set(call.plugin, plugin);
    }
  }
  return results;
}

async function runDescribeTask(task: DescribeTask): Promise<DescribeReply> {
  Atomics.store(new Int32Array(task.progress), PROGRESS_BEGUN, 1);
  try {
    return { ok: true, manifest: runDescribe(await loadPlugin(task.plugin), task.plugin) };
  } catch (error) {
    const data = toErrorData(error);
    return {
      ok: false,
      error: pluginErrorData(PluginErrorCode.load, `plugin ${task.plugin.id} failed to load: ${data.message}`, {
        hint: 'build the component for plugins/wit/khutulun.wit (exports describe and invoke)',
      }),
    };
  }
}

export default function handle(task: WorkerTask): Promise<BatchReply | DescribeReply> {
  return task.kind === 'batch' ? runBatch(task) : runDescribeTask(task);
}
