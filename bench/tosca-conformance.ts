/** tosca.conformance: every labelled conformance file validated in one process (files/s); baseline raw yaml.parseDocument. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { buildCatalog, validateFile } from '../tosca/index.js';
import { readManifest } from '../tosca/conformance/manifest.js';
import { withBaseline, type Benchmark } from './types.js';

const DIR = path.resolve(import.meta.dirname, '..', '..', 'shared', 'tosca', 'conformance');

export const toscaConformanceBench: Benchmark = {
  name: 'tosca.conformance',
  async run() {
    const rows = readManifest(path.join(DIR, 'MANIFEST.tsv'));
    const catalog = await buildCatalog([DIR], DIR);
    let t = performance.now();
    for (const r of rows) parseDocument(readFileSync(path.join(DIR, r.file), 'utf8'));
    const rawSec = (performance.now() - t) / 1000;
    t = performance.now();
    for (const r of rows) await validateFile(r.file, { catalog, cwd: DIR });
    const fullSec = (performance.now() - t) / 1000;
    const base = { name: 'yaml.parseDocument (same files)', value: Number((rows.length / rawSec).toFixed(1)), unit: 'files/s' };
    return [withBaseline({ name: 'tosca.conformance', value: Number((rows.length / fullSec).toFixed(1)), unit: 'files/s', extra: { files: rows.length } }, base)];
  },
};
