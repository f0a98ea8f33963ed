/** Runs the validator over every labelled conformance file and compares verdicts. */
import path from 'node:path';
import { buildCatalog } from '../catalog/index.js';
import { validateFile } from '../processor.js';
import type { Problem } from '../problems/index.js';
import { readManifest } from './manifest.js';

export interface Disagreement {
  readonly file: string;
  readonly expected: 'valid' | 'invalid';
  readonly problems: readonly Problem[];
}

export interface SuiteReport {
  readonly total: number;
  readonly passed: number;
  readonly rate: number;
  readonly disagreements: readonly Disagreement[];
}

export async function runSuite(dir: string): Promise<SuiteReport> {
  const rows = readManifest(path.join(dir, 'MANIFEST.tsv'));
  // The suite's own folder is registered so sibling profiles resolve by name.
  const catalog = await buildCatalog([dir], dir);
  const disagreements: Disagreement[] = [];
  let passed = 0;
  for (const row of rows) {
    // The suite's folder is the root: its files import each other across sub-folders (../types).
    const r = await validateFile(row.file, { catalog, cwd: dir, root: dir });
    const verdict = r.valid ? 'valid' : 'invalid';
    if (verdict === row.expected) passed++;
    else disagreements.push({ file: row.file, expected: row.expected, problems: r.problems });
  }
  return { total: rows.length, passed, rate: rows.length === 0 ? 0 : passed / rows.length, disagreements };
}

/** Where the OASIS suite lives next to the repo (shared/tosca/conformance). */
export function defaultSuiteDir(repoRoot: string): string {
  return path.resolve(repoRoot, '..', 'shared', 'tosca', 'conformance');
}
