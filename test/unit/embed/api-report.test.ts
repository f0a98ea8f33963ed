/**
 * The public API report: what each package entry point exports (names and kinds) must match
 * docs/api/exports.json. A change of the public surface is then a reviewed diff: run
 * `node scripts/api-report.mjs --write` and commit the file with the change.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../cli/up-helpers.js';

describe('public API report', () => {
  it('matches docs/api/exports.json (update: node scripts/api-report.mjs --write)', async () => {
    const { apiReport } = (await import(path.join(root, 'scripts/api-report.mjs'))) as { apiReport: () => Record<string, string[]> };
    const checked = JSON.parse(readFileSync(path.join(root, 'docs/api/exports.json'), 'utf8')) as Record<string, string[]>;
    const now = apiReport();
    expect(now['.']).toContain('startHost: function');
    expect(now['./agent']).toContain('startAgent: function');
    expect(now).toEqual(checked);
  }, 120_000);
});
