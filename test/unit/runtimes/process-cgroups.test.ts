/** cgroup placement: the file writes against a scratch tree, and real enforcement on this host. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import { detectCgroups, prepareCgroups } from '../../../runtimes/index.js';
import { waitFor } from '../../contracts/index.js';
import { scratch } from './process-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'kh-cg-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), f.endsWith('cgroup.controllers') ? 'cpu memory pids io' : '');
  }
  return root;
}

describe('cgroup layouts (scratch trees)', () => {
  it('pure v2 with controllers: limits go to memory.max / cpu.max / pids.max', () => {
    const root = tree(['cgroup.controllers', 'cgroup.procs', 'cgroup.subtree_control']);
    const layout = detectCgroups(root, '0::/\n');
    expect([...(layout.v2?.controllers ?? [])].sort()).toEqual(['cpu', 'io', 'memory', 'pids']);
    const p = prepareCgroups('w', 'g1', { memory: 1024, cpus: 1.5, pids: 9 }, layout);
    const dir = join(root, 'khutulun', 'g1');
    expect(p.dirs).toEqual([dir]);
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe('1024');
    expect(readFileSync(join(dir, 'cpu.max'), 'utf8')).toBe('150000 100000');
    expect(readFileSync(join(dir, 'pids.max'), 'utf8')).toBe('9');
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +cpu +pids');
    expect(p.enforced.sort()).toEqual(['cpu:v2', 'memory:v2', 'pids:v2']);
  });

  it('v1 (no v2 root): limits go to the v1 files under our own group', () => {
    const root = tree(['memory/cgroup.procs', 'memory/agent/cgroup.procs', 'cpu/cgroup.procs', 'pids/cgroup.procs']);
    const layout = detectCgroups(root, '4:memory:/agent\n1:cpu,cpuacct:/\n8:pids:/\n');
    expect(layout.v2).toBeUndefined();
    const p = prepareCgroups('w', 'g2', { memory: 2048, cpus: 0.25, pids: 5 }, layout);
    expect(readFileSync(join(root, 'memory/agent/khutulun/g2/memory.limit_in_bytes'), 'utf8')).toBe('2048');
    expect(readFileSync(join(root, 'cpu/khutulun/g2/cpu.cfs_quota_us'), 'utf8')).toBe('25000');
    expect(readFileSync(join(root, 'pids/khutulun/g2/pids.max'), 'utf8')).toBe('5');
    expect(p.enforced.sort()).toEqual(['cpu:v1', 'memory:v1', 'pids:v1']);
  });

  it('hybrid: v2 without controllers tracks (cgroup.kill), v1 enforces', () => {
    const root = tree(['unified/cgroup.controllers', 'unified/cgroup.procs', 'unified/cgroup.kill', 'pids/cgroup.procs']);
    writeFileSync(join(root, 'unified/cgroup.controllers'), '');
    const layout = detectCgroups(root, '8:pids:/\n0::/\n');
    expect(layout.v2?.mount).toBe(join(root, 'unified'));
    // the scratch tree has no kernel to create cgroup.kill in the new group; pretend it does
    mkdirSync(join(root, 'unified/khutulun/g3'), { recursive: true });
    writeFileSync(join(root, 'unified/khutulun/g3/cgroup.kill'), '');
    const p = prepareCgroups('w', 'g3', { pids: 3 }, layout);
    expect(p.killDir).toBe(join(root, 'unified/khutulun/g3'));
    expect(p.dirs).toContain(join(root, 'pids/khutulun/g3'));
    expect(p.enforced).toEqual(['pids:v1']);
  });

  it('limits with nowhere to go are a coded error, not a silent unlimited run', () => {
    const root = tree(['unified/cgroup.controllers']);
    writeFileSync(join(root, 'unified/cgroup.controllers'), '');
    const layout = detectCgroups(root, '0::/\n');
    try {
      prepareCgroups('w', 'g4', { memory: 1 << 20 }, layout);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(KhutulunError);
      expect((e as KhutulunError).code).toBe('KH-PROC-CGROUP-UNAVAILABLE');
      expect((e as KhutulunError).details?.['missing']).toEqual(['memory']);
    }
  });
});

describe('limits on this host (real kernel)', () => {
  it('adapter with cgroups off refuses limits with KH-PROC-CGROUP-UNAVAILABLE', async () => {
    const s = scratch();
    cleanups.push(() => s.dispose());
    const a = s.adapter({ cgroups: 'off' });
    await expect(a.ensure('l/off', { kind: 'process', command: 'sleep', args: ['1'], limits: { pids: 5 } })).rejects.toMatchObject({ code: 'KH-PROC-CGROUP-UNAVAILABLE' });
    expect(await a.observe('l/off')).toBeUndefined();
  });

  it('pids limit is enforced: forks beyond it fail', async (ctx) => {
    const s = scratch();
    cleanups.push(() => s.dispose());
    const a = s.adapter();
    const layout = a.cgroupLayout();
    if (!layout.v2?.controllers.has('pids') && layout.v1.pids === undefined) return ctx.skip();
    // Without the limit this prints all-started; with pids.max=4 the shell cannot fork the 4th sleep.
    const script = 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; echo all-started; wait';
    const o = await a.ensure('l/pids', { kind: 'process', command: 'sh', args: ['-c', script], limits: { pids: 4 } });
    const done = await waitFor(async () => {
      const x = await a.observe('l/pids');
      return x && x.state !== 'running' ? x : undefined;
    }, 'fork failure', 10_000);
    expect(done.state).toBe('failed');
    expect(readFileSync(String(o.info?.['stdoutLog']), 'utf8')).not.toContain('all-started');
    expect(readFileSync(String(o.info?.['stderrLog']), 'utf8')).toMatch(/fork/i);
    await a.remove('l/pids');
  });

  it('memory limit is enforced: an allocation above it is killed', async (ctx) => {
    const s = scratch();
    cleanups.push(() => s.dispose());
    const a = s.adapter();
    const layout = a.cgroupLayout();
    if (!layout.v2?.controllers.has('memory') && layout.v1.memory === undefined) return ctx.skip();
    await a.ensure('l/mem', {
      kind: 'process',
      command: process.execPath,
      args: ['-e', 'const a=[]; for (let i=0;i<40;i++) a.push(Buffer.alloc(8<<20, 1)); console.log("survived")'],
      limits: { memory: 64 * 1024 * 1024 },
    });
    const o = await waitFor(async () => {
      const x = await a.observe('l/mem');
      return x && x.state !== 'running' ? x : undefined;
    }, 'oom kill', 20_000);
    expect(o.state).toBe('failed');
    expect(o.signal).toBe('SIGKILL');
  });
});
