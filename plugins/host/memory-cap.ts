/**
 * Enforces the plugin memory limit while a call runs, not after it: every linear memory a core
 * module defines gets a maximum of `maxPages` (64 KiB each) written into its memory section
 * before it is compiled, so `memory.grow` past the limit fails inside the call (returns -1; the
 * guest's allocator then traps) and the host never holds more than the limit. Imported memories
 * are defined by another module of the same component, which is capped the same way.
 * Shared (threads) and 64-bit memories are left as they are (not produced by our toolchains).
 */

function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++];
    if (b === undefined) throw new Error('truncated LEB128');
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return { value, next: i };
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

/** Rewrites the memory section (id 5) of a core module so each memory's maximum is at most `maxPages`. */
export function capMemories(module: Uint8Array, maxPages: number): Uint8Array {
  if (maxPages <= 0 || module.length < 8 || module[0] !== 0x00 || module[1] !== 0x61) return module;
  const out: number[] = Array.from(module.subarray(0, 8));
  let at = 8;
  while (at < module.length) {
    const id = module[at]!;
    const { value: size, next } = readLeb(module, at + 1);
    const end = next + size;
    if (id !== 5) {
      for (let i = at; i < end; i++) out.push(module[i]!);
      at = end;
      continue;
    }
    const content: number[] = [];
    const count = readLeb(module, next);
    content.push(...leb(count.value));
    let p = count.next;
    for (let m = 0; m < count.value; m++) {
      const flags = module[p++]!;
      const min = readLeb(module, p);
      p = min.next;
      let max: number | undefined;
      if (flags & 0x01) {
        const mx = readLeb(module, p);
        p = mx.next;
        max = mx.value;
      }
      if (flags & ~0x01) {
        // shared / 64-bit: copy unchanged
        content.push(flags, ...leb(min.value), ...(max !== undefined ? leb(max) : []));
        continue;
      }
      const capped = Math.max(min.value, Math.min(max ?? Infinity, maxPages));
      content.push(0x01, ...leb(min.value), ...leb(capped));
    }
    out.push(5, ...leb(content.length), ...content);
    at = end;
  }
  return Uint8Array.from(out);
}
