/**
 * Plugin components of a given size for the plugin benchmarks: a real SDK-built plugin (the
 * built-in khutulun.noop, QuickJS inside) padded with a custom section to the size wanted. The
 * section's bytes are unique per call, so every fixture is a new plugin (a new content hash).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { builtinPlugins } from '../plugins/builtin/index.js';

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Appends a custom section (id 0) named `name`; valid in a component as in a core module. */
export function withCustomSection(component: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const body = [...leb128(nameBytes.length), ...nameBytes];
  const size = body.length + payload.length;
  const head = Uint8Array.from([0, ...leb128(size), ...body]);
  const out = new Uint8Array(component.length + head.length + payload.length);
  out.set(component, 0);
  out.set(head, component.length);
  out.set(payload, component.length + head.length);
  return out;
}

/** The noop plugin padded to about `bytes` (at least its own size), unique content. */
export function paddedNoopPlugin(bytes: number): Uint8Array {
  const noop = builtinPlugins().find((p) => p.id === 'khutulun.noop');
  if (!noop) throw new Error('khutulun.noop is not a built-in plugin');
  const base = readFileSync(noop.path);
  const pad = Math.max(16, bytes - base.length - 16);
  return withCustomSection(base, 'khutulun-bench-padding', randomBytes(pad));
}
