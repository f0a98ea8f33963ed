/**
 * `khutulun history` and `khutulun ui` (main() in-process) against an agent on the production
 * engine: the table and JSON show old -> new values with host and generation, `--since` filters,
 * an unknown node is a coded error, history answers after undeploy from the archive, and `ui`
 * prints a one-time link that logs in exactly once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { harness, TOKEN } from '../agent/helpers.js';
import { testEngine, WEB_APP } from '../agent/test-engine.js';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: { HOME: '/nonexistent-home', KHUTULUN_TOKEN: TOKEN }, cwd: process.cwd() });
  return { code, out, err };
}

describe('history and ui verbs', () => {
  const h = harness();
  afterEach(() => h.close());

  it('history as a table and JSON, --since, unknown node, after undeploy; ui link works once', async () => {
    const state = h.tmp();
    const a = await h.start('alpha', { stateDir: state, engine: testEngine({ stateDir: state }).engine });
    const file = join(h.tmp(), 'web.yaml');
    writeFileSync(file, WEB_APP);
    expect((await cli(['--agent', a.url, 'deploy', file, '--wait', '--timeout', '30s'])).code).toBe(0);

    const tableRun = await cli(['--agent', a.url, 'history', 'web', 'db']);
    expect(tableRun.code).toBe(0);
    const lines = tableRun.out.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+GEN\s+NODE\s+HOST\s+FIELD\s+CHANGE$/);
    expect(tableRun.out).toMatch(/\s1\s+db\s+alpha\s+status\s+starting -> started/);
    expect(lines.slice(1).every((l) => /\sdb\s/.test(l))).toBe(true);

    const json = await cli(['--agent', a.url, 'history', 'web', '-o', 'json']);
    const records = JSON.parse(json.out) as { node: string; host: string; generation: number; changes: { field: string }[] }[];
    expect(new Set(records.map((r) => r.node.split('/').pop()))).toEqual(new Set(['app', 'db', 'proxy']));
    expect(records.every((r) => r.host === 'alpha' && r.generation === 1)).toBe(true);

    const future = await cli(['--agent', a.url, 'history', 'web', '--since', '2999-01-01T00:00:00Z', '-o', 'json']);
    expect(JSON.parse(future.out)).toEqual([]);
    const badSince = await cli(['--agent', a.url, 'history', 'web', '--since', 'soon']);
    expect(badSince.code).toBe(2);
    const nope = await cli(['--agent', a.url, 'history', 'web', 'nope']);
    expect(nope.code).toBe(1);
    expect(nope.err).toContain('KH-AGENT-070');
    expect(nope.err).toContain('db');

    expect((await cli(['--agent', a.url, 'undeploy', 'web'])).code).toBe(0);
    const archived = await cli(['--agent', a.url, 'history', 'web', 'db', '-o', 'json']);
    expect(archived.code).toBe(0);
    const after = JSON.parse(archived.out) as { changes: { field: string; new?: unknown }[] }[];
    expect(after.length).toBeGreaterThan(lines.length - 1);
    expect(after.flatMap((r) => r.changes.filter((c) => c.field === 'status').map((c) => c.new))).toContain('deleted');
    const gone = await cli(['--agent', a.url, 'history', 'never']);
    expect(gone.err).toContain('KH-AGENT-030');

    const ui = await cli(['--agent', a.url, 'ui']);
    expect(ui.code).toBe(0);
    const link = ui.out.trim();
    expect(link).toMatch(new RegExp(`^${a.url}/login\\?code=[0-9a-f]{64}$`));
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(401);
  });
});
