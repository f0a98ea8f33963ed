/**
 * `khutulun doctor` on a real state folder (an agent ran there): clean, it exits 0; after damage
 * (a flipped chunk, an unreadable workload record, an open folder, a workload nobody accounts
 * for) each problem is named with its file and its fix, and it exits 1. It changes nothing.
 */
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import type { DoctorReport } from '../../../agent/doctor.js';
import { eventually, harness, TOKEN } from './helpers.js';
import { testEngine } from './test-engine.js';

async function doctor(dir: string): Promise<{ code: number; report: DoctorReport; text: string }> {
  let out = '';
  const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, env: { HOME: '/nonexistent-home' }, cwd: dir };
  const code = await main(['doctor', '--state', dir, '-o', 'json'], io);
  let text = '';
  await main(['doctor', '--state', dir], { ...io, stdout: (t: string) => void (text += t) });
  return { code, report: JSON.parse(out) as DoctorReport, text };
}

describe('khutulun doctor', () => {
  const h = harness();
  afterEach(() => h.close());

  it('passes a sound folder and names every damage with its fix', async () => {
    const dir = h.tmp();
    chmodSync(dir, 0o700);
    const a = await h.start('alpha', { stateDir: dir, engine: testEngine({ stateDir: dir }).engine });
    const body = JSON.stringify({ name: 'web', source: 'tosca_definitions_version: tosca_2_0\nimports:\n  - profile: khutulun.org:core\nservice_template:\n  node_templates:\n    db: { type: Root }\n' });
    await fetch(`${a.url}/v1/deployments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
    await eventually(async () => ((await (await fetch(`${a.url}/v1/deployments/web`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { state: string }).state === 'deployed' || undefined, 20_000);

    // A workload that no deployment accounts for: a record of a live process (this one).
    const records = join(dir, 'process', 'workloads');
    mkdirSync(records, { recursive: true });
    writeFileSync(join(records, 'ghost.json'), JSON.stringify({ version: 1, id: 'ghost/nodes/x', spec: { kind: 'process', command: 'sleep' }, specHash: '', status: 'running', pid: process.pid, restarts: 0, streak: 0, workDir: '', stdoutLog: '', stderrLog: '', cgroups: [], warnings: [] }));
    const live = await doctor(dir);
    expect(live.report.agent).toMatchObject({ alive: true, name: 'alpha' });
    expect(live.report.running).toEqual({ 'ghost/nodes/x': process.pid });
    expect(live.report.findings).toContainEqual(expect.objectContaining({ severity: 'warn', check: 'workloads', message: expect.stringContaining('no deployment of the agent accounts for it') }));
    expect(live.code).toBe(0); // warnings only
    await a.close();

    const clean = await doctor(dir);
    expect(clean.report.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(clean.text).toMatch(/ok +documents: \d+ document chunk\(s\) intact/);

    // Damage: a chunk, a workload record, the folder's mode.
    const chunk = readdirSync(join(dir, 'repo'), { recursive: true, encoding: 'utf8' }).map((f) => join(dir, 'repo', f)).find((f) => f.includes('/incremental/') && statSync(f).isFile())!;
    const bytes = readFileSync(chunk);
    bytes[0] = bytes[0]! ^ 0x01;
    writeFileSync(chunk, bytes);
    writeFileSync(join(records, 'broken.json'), '{"version": 1, "id": ');
    chmodSync(dir, 0o755);
    const sick = await doctor(dir);
    expect(sick.code).toBe(1);
    const by = (check: string) => sick.report.findings.filter((f) => f.check === check && f.severity !== 'ok');
    expect(by('documents')).toEqual([expect.objectContaining({ severity: 'error', file: chunk, fix: expect.stringContaining('quarantine') })]);
    expect(by('workloads')[0]).toMatchObject({ severity: 'error', file: join(records, 'broken.json') });
    expect(by('permissions')[0]).toMatchObject({ severity: 'warn', fix: `chmod 700 ${dir}` });
    expect(sick.text).toContain('ERROR documents: a damaged incremental chunk');
    // Read only: the damaged chunk is where it was.
    expect(readFileSync(chunk)).toEqual(bytes);
    chmodSync(dir, 0o700);
  }, 60_000);
});
