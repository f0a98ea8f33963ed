/**
 * A direct path into a component's core `invoke`/`describe`, skipping jco's per-call glue (task
 * bookkeeping that costs more than the call itself). Our world has only string arguments and
 * string results, so the canonical ABI is small: strings are UTF-8 written through `cabi_realloc`;
 * `result<string, string>` comes back as a pointer to [u8 tag, u32 ptr, u32 len]; then
 * `cabi_post_<name>` frees it. Used only when the core instance is found and a self-check on load
 * agrees with the jco path; otherwise the host keeps the jco glue.
 */
import type { WasmImports, WasmInstance, WasmMemory } from './wasm-api.js';
import { wasm } from './wasm-api.js';

type Fn = (...args: number[]) => number;

export interface DirectExports {
  describe(): string;
  invoke(fn: string, event: string, snapshot: string): string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Finds the core instance that implements the world's exports and the memory it uses. */
export function findDirectAbi(instances: ReadonlyArray<{ instance: WasmInstance; imports: WasmImports }>): DirectExports | undefined {
  for (const { instance, imports } of instances) {
    const ex = instance.exports;
    if (typeof ex.invoke !== 'function' || typeof ex.describe !== 'function' || typeof ex.cabi_realloc !== 'function') continue;
    let memory = ex.memory instanceof wasm.Memory ? (ex.memory as WasmMemory) : undefined;
    if (!memory) {
      // Dynamically linked guests (componentize-qjs) import their memory.
      for (const module of Object.values(imports)) {
        for (const value of Object.values(module)) if (!memory && value instanceof wasm.Memory) memory = value as WasmMemory;
      }
    }
    if (!memory) continue;
    return makeDirect(memory, ex as Record<string, unknown>);
  }
  return undefined;
}

function makeDirect(memory: WasmMemory, ex: Record<string, unknown>): DirectExports {
  const realloc = ex.cabi_realloc as Fn;
  const invoke = ex.invoke as Fn;
  const describe = ex.describe as Fn;
  const postInvoke = typeof ex.cabi_post_invoke === 'function' ? (ex.cabi_post_invoke as Fn) : undefined;
  const postDescribe = typeof ex.cabi_post_describe === 'function' ? (ex.cabi_post_describe as Fn) : undefined;

  const lower = (text: string): [number, number] => {
    const bytes = encoder.encode(text);
    if (bytes.length === 0) return [1, 0];
    const ptr = realloc(0, 0, 1, bytes.length);
    new Uint8Array(memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  };
  const lift = (ptr: number, len: number): string => decoder.decode(new Uint8Array(memory.buffer, ptr, len));

  return {
    describe() {
      const ret = describe();
      const view = new DataView(memory.buffer);
      const text = lift(view.getUint32(ret, true), view.getUint32(ret + 4, true));
      postDescribe?.(ret);
      return text;
    },
    invoke(fn, event, snapshot) {
      const [p1, l1] = lower(fn);
      const [p2, l2] = lower(event);
      const [p3, l3] = lower(snapshot);
      const ret = invoke(p1, l1, p2, l2, p3, l3);
      const view = new DataView(memory.buffer);
      const tag = view.getUint8(ret);
      const text = lift(view.getUint32(ret + 4, true), view.getUint32(ret + 8, true));
      postInvoke?.(ret);
      if (tag === 0) return text;
      if (tag === 1) throw Object.assign(new Error(text), { payload: text });
      throw new Error(`invalid result tag ${tag}`);
    },
  };
}
