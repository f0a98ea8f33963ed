/**
 * Worker side: loads a transpiled plugin, instantiates it with its imports, and runs calls on it.
 * Instances are cached per worker by content hash; a trap or a memory overrun drops the instance
 * (its state may be damaged) and the next call gets a fresh one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KhutulunError, isErrorData, toErrorData } from '../../common/index.js';
import type { ErrorData } from '../../common/index.js';
import type { PluginCallResult, PluginManifest } from './call.js';
import { PluginErrorCode, pluginErrorData } from './errors.js';
import { parseInvokeOutput, parseManifest } from './output.js';
import type { LoadSpec, WireCall, WireResult } from './wire.js';
import { buildImports } from './wasi-imports.js';
import { findDirectAbi } from './direct-abi.js';
import { capMemories } from './memory-cap.js';
import { wasm } from './wasm-api.js';
import type { WasmImports, WasmInstance, WasmMemory, WasmModule } from './wasm-api.js';

interface PluginExports {
  describe(): string;
  invoke(fn: string, event: string, snapshot: string): string;
}

interface Instantiate {
  instantiate(
    getCoreModule: (name: string) => Promise<WasmModule>,
    imports: Record<string, unknown>,
    instantiateCore?: (module: WasmModule, imports: WasmImports) => Promise<WasmInstance>,
  ): Promise<PluginExports>;
}

export interface LoadedPlugin {
  exports: PluginExports;
  memories: WasmMemory[];
}

const modules = new Map<string, Promise<WasmModule>>();
const instances = new Map<string, Promise<LoadedPlugin>>();

async function instantiatePlugin(spec: LoadSpec, maxMemoryBytes: number): Promise<LoadedPlugin> {
  const maxPages = maxMemoryBytes > 0 ? Math.floor(maxMemoryBytes / 65536) : 0;
  const glue = (await import(pathToFileURL(join(spec.dir, 'plugin.js')).href)) as Instantiate;
  const memories: WasmMemory[] = [];
  const cores: { instance: WasmInstance; imports: WasmImports }[] = [];
  const getCoreModule = (name: string): Promise<WasmModule> => {
    const key = `${spec.hash}/${name}/${maxPages}`;
    let module = modules.get(key);
    if (!module) {
      // Compiled modules are shared by every instance of the plugin in this worker; the memory
      // limit is written into them, so it holds during a call.
      module = readFile(join(spec.dir, name)).then((bytes) => wasm.compile(capMemories(bytes, maxPages)));
      modules.set(key, module);
    }
    return module;
  };
  const instantiateCore = async (module: WasmModule, imports: WasmImports): Promise<WasmInstance> => {
    const instance = await wasm.instantiate(module, imports);
    cores.push({ instance, imports });
    for (const value of Object.values(instance.exports)) {
      if (value instanceof wasm.Memory) memories.push(value);
    }
    return instance;
  };
  const exports = await glue.instantiate(getCoreModule, await buildImports(spec.imports, spec.grants), instantiateCore);
  if (typeof exports.invoke !== 'function' || typeof exports.describe !== 'function') {
    throw new KhutulunError(PluginErrorCode.load, `plugin ${spec.id} does not export describe and invoke`, {
      hint: 'build the component for the world `plugin` in plugins/wit/khutulun.wit',
    });
  }
  return { exports: directOrGlue(exports, findDirectAbi(cores)), memories };
}

/** Prefers the direct ABI when it answers `describe` exactly like the jco glue (a self-check). */
function directOrGlue(glue: PluginExports, direct: PluginExports | undefined): PluginExports {
  if (!direct || process.env.KHUTULUN_PLUGIN_DIRECT_ABI === '0') return glue;
  try {
    return direct.describe() === glue.describe() ? direct : glue;
  } catch {
    return glue;
  }
}

/** Same bytes under different grants are different instances (their imports differ). */
const instanceKey = (spec: LoadSpec): string => `${spec.hash}:${JSON.stringify(spec.grants)}`;

export function loadPlugin(spec: LoadSpec, maxMemoryBytes = 0): Promise<LoadedPlugin> {
  const key = `${instanceKey(spec)}:${maxMemoryBytes}`;
  let loaded = instances.get(key);
  if (!loaded) {
    loaded = instantiatePlugin(spec, maxMemoryBytes);
    instances.set(key, loaded);
    loaded.catch(() => instances.delete(key));
  }
  return loaded;
}

function dropInstance(spec: LoadSpec, maxMemoryBytes: number): void {
  instances.delete(`${instanceKey(spec)}:${maxMemoryBytes}`);
}

const memoryBytes = (plugin: LoadedPlugin): number => plugin.memories.reduce((sum, m) => sum + m.buffer.byteLength, 0);

/** Turns whatever a call threw into coded error data; says whether the instance must be dropped. */
export function classifyCallError(error: unknown, pluginId: string): { error: ErrorData; poisoned: boolean } {
  if (error instanceof KhutulunError) return { error: toErrorData(error), poisoned: error.code === PluginErrorCode.denied };
  if (error instanceof wasm.RuntimeError || error instanceof RangeError) {
    return {
      error: pluginErrorData(PluginErrorCode.trap, `plugin ${pluginId} trapped: ${(error as Error).message}`, {
        hint: 'a bug in the plugin (unreachable, out-of-bounds access, stack overflow); fix the plugin',
      }),
      poisoned: true,
    };
  }
  const payload = (error as { payload?: unknown } | null)?.payload;
  if (typeof payload === 'string') {
    // The plugin's own err branch: a coded error (JSON) or a plain message.
    try {
      const parsed: unknown = JSON.parse(payload);
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as ErrorData).code === 'string') {
        const data = parsed as Partial<ErrorData> & { code: string };
        const coded = { ...data, message: String(data.message ?? data.code), retryable: data.retryable === true };
        if (isErrorData(coded)) return { error: coded, poisoned: false };
      }
    } catch {
      // Not JSON: a plain message.
    }
    return { error: pluginErrorData(PluginErrorCode.failed, payload), poisoned: false };
  }
  return { error: toErrorData(error), poisoned: true };
}

export function runCall(plugin: LoadedPlugin, spec: LoadSpec, call: WireCall, maxMemoryBytes: number): WireResult {
  let raw: string | undefined;
  let failure: { error: ErrorData; poisoned: boolean } | undefined;
  try {
    raw = plugin.exports.invoke(call.fn, call.event, call.snapshot);
  } catch (error) {
    failure = classifyCallError(error, spec.id);
  }
  // The memories are capped at the limit (memory-cap.ts), so growth past it was refused inside the
  // call. A call that failed near the limit (allocators trap when a grow is refused), or a memory
  // past it (a memory the cap could not apply to), is a memory error.
  const bytes = memoryBytes(plugin);
  if (maxMemoryBytes > 0 && (bytes > maxMemoryBytes || (failure !== undefined && bytes >= maxMemoryBytes * 0.75))) {
    dropInstance(spec, maxMemoryBytes);
    return {
      ok: false,
      error: pluginErrorData(PluginErrorCode.memory, `plugin ${spec.id} ran out of memory: ${bytes} bytes of linear memory, limit ${maxMemoryBytes}`, {
        hint: `growth past the limit is refused during the call; shrink the plugin's data or raise maxMemoryMb (default 512)`,
        details: { bytes, limit: maxMemoryBytes, ...(failure !== undefined ? { failure: failure.error.message } : {}) },
      }),
    };
  }
  if (failure !== undefined || raw === undefined) {
    const { error: data, poisoned } = failure ?? { error: pluginErrorData(PluginErrorCode.output, `plugin ${spec.id} answered nothing`), poisoned: true };
    if (poisoned) dropInstance(spec, maxMemoryBytes);
    return { ok: false, error: data };
  }
  const checked: PluginCallResult = parseInvokeOutput(raw, spec.id);
  // Valid output travels back as the text itself; the host parses it once.
  return checked.ok ? raw : checked;
}

export function runDescribe(plugin: LoadedPlugin, spec: LoadSpec): PluginManifest {
  return parseManifest(plugin.exports.describe(), spec.id);
}
