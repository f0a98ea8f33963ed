/**
 * Builds tiny native components of our world from WebAssembly text, through the jco JS API
 * (parse → embed WIT → component new). Used by tests (trap, endless loop, memory hog) and by the
 * benchmark as a plugin whose own cost is near zero. ~15 ms per component, no toolchain needed.
 */
import { readFile } from 'node:fs/promises';
import { pluginWitPath } from './wit-path.js';

export interface WatPluginOptions {
  /** The manifest `describe` returns (JSON text). */
  manifest?: string;
  /** The JSON `invoke` answers with (ok branch unless `fail`). */
  response?: string;
  /** Return the response on the err branch instead. */
  fail?: boolean;
  /** WAT instructions run at the start of `invoke` (e.g. `unreachable`, an endless loop). */
  invokePrelude?: string;
  /** Import `wasi:random/random@0.2.0#get-random-u64` and call it in `invoke` (capability tests). */
  useWasiRandom?: boolean;
  /** Import `wasi:cli/exit@0.2.0#exit` and call it in `invoke` (ends a granted worker: crash tests). */
  useWasiExit?: boolean;
}

const WASI_EXIT_WIT = `
package wasi:cli@0.2.0 {
  interface exit {
    exit: func(status: result);
  }
}
`;

const WASI_RANDOM_WIT = `
package wasi:random@0.2.0 {
  interface random {
    get-random-u64: func() -> u64;
  }
}
`;

const escapeWat = (text: string): string =>
  Array.from(new TextEncoder().encode(text), (b) => `\\${b.toString(16).padStart(2, '0')}`).join('');

/** The WAT text of a core module implementing `describe` and `invoke` with constant answers. */
export function watPluginSource(options: WatPluginOptions = {}): string {
  const manifest = options.manifest ?? '{"name":"wat","functions":["run"]}';
  const response = options.response ?? '{"effects":[]}';
  const manifestLen = new TextEncoder().encode(manifest).length;
  const responseLen = new TextEncoder().encode(response).length;
  // Layout: 0..16 return areas, 1024 manifest, 4096 response, heap (bump allocator) from 65536.
  const random = options.useWasiRandom === true;
  const exit = options.useWasiExit === true;
  return `(module
  ${random ? '(import "wasi:random/random@0.2.0" "get-random-u64" (func $random (result i64)))' : ''}
  ${exit ? '(import "wasi:cli/exit@0.2.0" "exit" (func $exit (param i32)))' : ''}
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (data (i32.const 1024) "${escapeWat(manifest)}")
  (data (i32.const 4096) "${escapeWat(response)}")
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    ;; bump allocator, reset per call: arguments only live for one call
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                           (i32.xor (i32.sub (local.get 2) (i32.const 1)) (i32.const -1))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.add (i32.const 1) (i32.shr_u (global.get $heap) (i32.const 16)))))))
    (local.get $p))
  (func (export "describe") (result i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const ${manifestLen}))
    (i32.const 0))
  (func (export "invoke") (param i32 i32 i32 i32 i32 i32) (result i32)
    ${options.invokePrelude ?? ''}
    ${random ? '(drop (call $random))' : ''}
    ${exit ? '(call $exit (i32.const 1))' : ''}
    (global.set $heap (i32.const 65536))
    (i32.store8 (i32.const 16) (i32.const ${options.fail ? 1 : 0}))
    (i32.store (i32.const 20) (i32.const 4096))
    (i32.store (i32.const 24) (i32.const ${responseLen}))
    (i32.const 16)))`;
}

/** Compiles a WAT plugin into component bytes. */
export async function watPluginComponent(options: WatPluginOptions = {}): Promise<Uint8Array> {
  const { componentEmbed, componentNew, parse } = await import('@bytecodealliance/jco');
  const core = await parse(watPluginSource(options));
  let witSource = await readFile(pluginWitPath(), 'utf8');
  if (options.useWasiRandom) {
    witSource = witSource.replace('world plugin {', 'world plugin {\n  import wasi:random/random@0.2.0;') + WASI_RANDOM_WIT;
  }
  if (options.useWasiExit) {
    witSource = witSource.replace('world plugin {', 'world plugin {\n  import wasi:cli/exit@0.2.0;') + WASI_EXIT_WIT;
  }
  const embedded = await componentEmbed({ binary: core, witSource, world: 'plugin' });
  return componentNew(embedded);
}
