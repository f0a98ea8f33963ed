/** Reads the conformance MANIFEST.tsv: file, expected verdict, role, notes (LABEL-CONFLICT => invalid). */
import { readFileSync } from 'node:fs';

export interface ManifestRow {
  readonly file: string;
  readonly expected: 'valid' | 'invalid';
  readonly notes: string;
}

export function readManifest(manifestPath: string): ManifestRow[] {
  const rows: ManifestRow[] = [];
  const lines = readFileSync(manifestPath, 'utf8').split(/\r?\n/).slice(1);
  for (const line of lines) {
    const [file, expected, role, notes = ''] = line.split('\t');
    if (!file || role !== 'entry' || (expected !== 'valid' && expected !== 'invalid')) continue;
    // The standard wins over an upstream label that contradicts it.
    const verdict = notes.includes('LABEL-CONFLICT') ? 'invalid' : expected;
    rows.push({ file, expected: verdict, notes });
  }
  return rows;
}
