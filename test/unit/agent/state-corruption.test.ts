/**
 * The corruption matrix over the files of a state folder: each file truncated, filled with
 * garbage, bit-flipped and deleted, read by the production reader. Every case is either a coded
 * error that names the file, or a documented, correct recovery — never a silent loss (a state
 * file quietly replaced by an empty one) and never an uncoded crash.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDirLock, KhutulunError, seededRandom } from '../../../common/index.js';
import { readAgentRecord, writeAgentRecord } from '../../../agent/index.js';
import { loadOrCreateIdentity } from '../../../agent/host-identity.js';
import { openStore } from '../../../store/index.js';
import { JsonFilePortStore } from '../../../runtimes/ports/port-store.js';
import { StateStore } from '../../../runtimes/process/state-file.js';
import type { ProcessStateRecord } from '../../../runtimes/process/state-file.js';

type Damage = 'truncate' | 'garbage' | 'bitflip' | 'delete';
const DAMAGES: Damage[] = ['truncate', 'garbage', 'bitflip', 'delete'];

function damage(file: string, how: Damage): void {
  const bytes = readFileSync(file);
  if (how === 'delete') rmSync(file);
  else if (how === 'truncate') writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  else if (how === 'garbage') writeFileSync(file, Buffer.from('\u0000\u00ff garbage ]]]'));
  else {
    // Flip a bit of the first byte: the JSON's opening brace, so the flip is structural.
    const copy = Buffer.from(bytes);
    copy[0] = copy[0]! ^ 0x04;
    writeFileSync(file, copy, { mode: 0o600 });
  }
}

async function outcome(read: () => unknown): Promise<{ code?: string; message?: string; value?: unknown }> {
  try {
    return { value: await read() };
  } catch (error) {
    if (!(error instanceof KhutulunError)) throw new Error(`uncoded failure: ${String(error)}`);
    return { code: error.code, message: error.message };
  }
}

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'kh-corrupt-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('state folder corruption matrix', () => {
  it.each(DAMAGES)('host.json %s: coded error naming it, or (deleted) a new identity as documented', async (how) => {
    const dir = tmp();
    const first = loadOrCreateIdentity(dir, 'edge-1', seededRandom(1));
    damage(join(dir, 'host.json'), how);
    const r = await outcome(() => loadOrCreateIdentity(dir, 'edge-1', seededRandom(2)));
    if (how === 'delete') expect((r.value as { id: string }).id).not.toBe(first.id);
    else expect(r).toMatchObject({ code: 'KH-STATE-CORRUPT', message: expect.stringContaining(join(dir, 'host.json')) });
  });

  it.each(DAMAGES)('agent.json %s: coded error naming it, or (deleted) "no agent recorded"', async (how) => {
    const dir = tmp();
    writeAgentRecord(dir, { url: 'http://127.0.0.1:1', token: 'x'.repeat(64), pid: 1, name: 'n', hostId: 'h-0000000000000000', startedAt: 0 });
    damage(join(dir, 'agent.json'), how);
    const r = await outcome(() => readAgentRecord(dir));
    if (how === 'delete') expect(r.value).toBeUndefined();
    else expect(r).toMatchObject({ code: 'KH-STATE-CORRUPT', message: expect.stringContaining(join(dir, 'agent.json')) });
  });

  it.each(DAMAGES)('store/cluster.json %s: coded error naming it, never a new empty cluster document', async (how) => {
    const dir = tmp();
    const s = await openStore({ dir, hostId: 'h1' });
    const url = s.cluster.url;
    await s.close();
    damage(join(dir, 'cluster.json'), how);
    const r = await outcome(async () => {
      const again = await openStore({ dir, hostId: 'h1' });
      const u = again.cluster.url;
      await again.close();
      return u;
    });
    expect(r.value).not.toBeDefined();
    expect(r).toMatchObject({ code: 'KH-STATE-CORRUPT', message: expect.stringContaining(join(dir, 'cluster.json')) });
    expect(url).toMatch(/^automerge:/);
  });

  it.each(DAMAGES)('ports.json %s: coded error naming it, or (deleted) an empty ledger', async (how) => {
    const dir = tmp();
    const file = join(dir, 'ports.json');
    await new JsonFilePortStore(file).update((ledger) => ({ ledger: { hosts: { ...ledger.hosts, h1: {} } } as never, result: undefined }));
    expect(await new JsonFilePortStore(file).load()).toEqual({ hosts: { h1: {} } });
    damage(file, how);
    const r = await outcome(() => new JsonFilePortStore(file).load());
    if (how === 'delete') expect(r.value).toEqual({ hosts: {} });
    else expect(r).toMatchObject({ code: 'KH-PORT-004', message: expect.stringContaining(file) });
  });

  it.each(DAMAGES)('a process workload record %s: coded error naming it (its process may run), never skipped', async (how) => {
    const dir = tmp();
    const states = new StateStore(dir);
    const record: ProcessStateRecord = {
      version: 1,
      id: 'd/nodes/web' as ProcessStateRecord['id'],
      spec: { kind: 'process', command: 'sleep', args: ['60'] } as ProcessStateRecord['spec'],
      specHash: 'x',
      status: 'running',
      pid: 12345,
      restarts: 0,
      streak: 0,
      workDir: dir,
      stdoutLog: 'o',
      stderrLog: 'e',
      cgroups: [],
      warnings: [],
    };
    states.write(record);
    const file = states.pathOf(record.id);
    damage(file, how);
    const all = states.readAll();
    const r = await outcome(() => states.read(record.id));
    if (how === 'delete') {
      expect(all).toEqual({ records: [], corrupt: [] });
      expect(r.value).toBeUndefined();
    } else {
      expect(all.corrupt).toEqual([file]);
      expect(r).toMatchObject({ code: 'KH-STATE-CORRUPT', message: expect.stringContaining(file) });
    }
  });

  it('a lock file: a live holder refuses (even a moment later), garbage or a dead holder is taken over, O_EXCL', async () => {
    const dir = tmp();
    const release = acquireDirLock(dir, 'agent.lock', { code: 'KH-TEST-BUSY', what: 'agent' });
    expect(() => acquireDirLock(dir, 'agent.lock', { code: 'KH-TEST-BUSY', what: 'agent' })).toThrow(expect.objectContaining({ code: 'KH-TEST-BUSY', message: expect.stringContaining(`pid ${process.pid}`) }));
    release();
    // A dead holder (pid 2^22 + 1 cannot exist by default) is taken over.
    writeFileSync(join(dir, 'agent.lock'), '4194305 123\n');
    acquireDirLock(dir, 'agent.lock', { code: 'KH-TEST-BUSY', what: 'agent' })();
    // Garbage: young = someone is creating it (busy); old = a crashed writer's (taken over).
    writeFileSync(join(dir, 'agent.lock'), '\u0000garbage');
    expect(() => acquireDirLock(dir, 'agent.lock', { code: 'KH-TEST-BUSY', what: 'agent' })).toThrow(expect.objectContaining({ code: 'KH-TEST-BUSY' }));
    utimesSync(join(dir, 'agent.lock'), new Date(0), new Date(0));
    const again = acquireDirLock(dir, 'agent.lock', { code: 'KH-TEST-BUSY', what: 'agent' });
    expect(readFileSync(join(dir, 'agent.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} \\d+\\n$`));
    again();
    mkdirSync(join(dir, 'x'));
  });
});
