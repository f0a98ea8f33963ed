/** tosca.k8s-profile: parse + validate the io.kubernetes-1.35 profile (target <= 300 ms); baseline raw yaml.parseDocument. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { validateFile } from '../tosca/index.js';
import { withBaseline, type Benchmark } from './types.js';

const DIR = path.resolve(import.meta.dirname, '..', '..', 'shared', 'tosca', 'profiles', 'io.kubernetes-1.35');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export const toscaK8sProfileBench: Benchmark = {
  name: 'tosca.k8s-profile',
  async run(ctx) {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    const runs = ctx.quick ? 3 : 7;
    const raw: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      for (const f of files) parseDocument(readFileSync(path.join(DIR, f), 'utf8'));
      raw.push(performance.now() - t);
      t = performance.now();
      const r = await validateFile('profile.yaml', { cwd: DIR });
      full.push(performance.now() - t);
      if (i === 0) ctx.log(`k8s profile: ${r.problems.length} problems`);
    }
    const base = { name: 'yaml.parseDocument (same files)', value: Number(median(raw).toFixed(2)), unit: 'ms' };
    return [withBaseline({ name: 'tosca.k8s-profile', value: Number(median(full).toFixed(2)), unit: 'ms', extra: { target_ms: 300, files: files.length } }, base)];
  },
};
