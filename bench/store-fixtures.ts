/** Shared helpers for the store benchmarks: vertex inputs and the naive raw-Automerge baseline. */
import * as A from '@automerge/automerge';
import type { Deployment, PropertyInput } from '../store/index.js';

export function props(i: number, n = 10): Record<string, PropertyInput> {
  const out: Record<string, PropertyInput> = {};
  for (let p = 0; p < n; p++) out[`prop${p}`] = { value: p % 2 === 0 ? BigInt(i * 10 + p) : `value-${i}-${p}`, readOnly: p === 0 };
  return out;
}

/** Creates `count` vertexes in batches of `batch` (each batch = one change). */
export async function fill(dep: Deployment, count: number, batch = 1000, prefix = 'v'): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    const ps: Promise<unknown>[] = [];
    for (let i = start; i < Math.min(count, start + batch); i++) ps.push(dep.create('vertex', { id: `${prefix}/n${i}`, properties: props(i) }));
    await Promise.all(ps);
  }
}

/** The naive encoding: one flat map of vertexes, every property a nested Automerge map. */
export type NaiveDoc = {
  vertexes: Record<string, { props: Record<string, { value: string | number; readOnly: boolean }> }>;
};

export function naiveFill(doc: A.Doc<NaiveDoc>, count: number, batch = 1000, prefix = 'v'): A.Doc<NaiveDoc> {
  let d = doc;
  for (let start = 0; start < count; start += batch) {
    d = A.change(d, (x) => {
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const p: Record<string, { value: string | number; readOnly: boolean }> = {};
        for (let k = 0; k < 10; k++) p[`prop${k}`] = { value: k % 2 === 0 ? i * 10 + k : `value-${i}-${k}`, readOnly: k === 0 };
        x.vertexes[`${prefix}/n${i}`] = { props: p };
      }
    });
  }
  return d;
}

export function naiveDoc(): A.Doc<NaiveDoc> {
  return A.from<NaiveDoc>({ vertexes: {} });
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** User+system CPU seconds of a process.cpuUsage(start) delta (on a shared box, CPU time is steadier than wall time). */
export function cpuSeconds(u: NodeJS.CpuUsage): number {
  return Math.max(1e-6, (u.user + u.system) / 1e6);
}
