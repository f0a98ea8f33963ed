/**
 * The systemd-nspawn runtime against the real binary (apt systemd-container) on the busybox tree
 * scripts/ci/daemons.sh packs: the whole runtime contract (single-command mode), then boot mode,
 * bind mounts, limits through the cgroup the runtime makes, exec and logs, and coded faults.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../common/index.js';
import { runRuntimeAdapterTests } from '../contracts/index.js';
import { waitFor } from '../contracts/wait-for.js';
import { NspawnRuntimeAdapter } from '../../runtimes/nspawn/index.js';
import type { SystemContainerSpec } from '../../runtimes/nspawn/index.js';

const tarball = process.env['KH_NSPAWN_TAR'];
const enabled = ((): boolean => {
  if (tarball) return true;
  if (process.env['CI']) throw new Error('KH_NSPAWN_TAR is not set: scripts/ci/daemons.sh start did not pack the nspawn tree');
  return false;
})();
const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'kh-nspawn-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const machine = (extra: Partial<SystemContainerSpec>): SystemContainerSpec => ({ kind: 'system-container', imageTar: tarball!, stopTimeoutMs: 2_000, ...extra });

describe.skipIf(!enabled)('nspawn', () => {
  runRuntimeAdapterTests('nspawn', async () => {
    const stateDir = scratch();
    const made: NspawnRuntimeAdapter[] = [];
    const open = (): NspawnRuntimeAdapter => {
      const a = new NspawnRuntimeAdapter({ stateDir, roots: [dirname(tarball!)], pollIntervalMs: 200 });
      made.push(a);
      return a;
    };
    return {
      create: async () => open(),
      longRunning: (variant = 0) => machine({ command: ['sh', '-c', `echo variant ${variant}; exec sleep 3600`] }),
      exitsWith: (code: number) => machine({ command: ['sh', '-c', `exit ${code}`] }),
      missingCommand: () => machine({ imageTar: join(dirname(tarball!), 'no-such-image.tar'), command: ['true'] }),
      badSpec: () => ({ kind: 'system-container' }),
      // nspawn forwards its stop as SIGTERM to the machine's PID 1, which ignores it: forced after the timeout.
      ignoresTerm: () => machine({ killSignal: 'SIGTERM', command: ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'] }),
      codes: { notFound: 'KH-NSPAWN-ROOT-MISSING', badSpec: 'KH-NSPAWN-BAD-SPEC' },
      timeoutMs: 30_000,
      async cleanup() {
        for (const x of made.splice(0)) await x.close();
        const a = open(); // the suite closed its adapters: a fresh one over the same state
        for (const o of await a.list()) await a.remove(o.id, { timeoutMs: 1_000 });
        await a.close();
      },
    };
  });
});

describe.skipIf(!enabled)('nspawn: modes, mounts, limits, exec, logs, faults', () => {
  const code = async (p: Promise<unknown>): Promise<string> => {
    const e = await p.then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(KhutulunError);
    expect((e as KhutulunError).hint).toBeTruthy();
    return (e as KhutulunError).code;
  };

  it('boot mode runs the tree\'s init (inittab: a service on a host port); exec and logs; stop removes the root', async () => {
    const a = new NspawnRuntimeAdapter({ stateDir: scratch(), roots: [dirname(tarball!)], pollIntervalMs: 200 });
    try {
      const id = 'nspawn/boot';
      // busybox init powers off on SIGUSR2 (systemd would take the default SIGRTMIN+3).
      const o = await a.ensure(id, machine({ boot: true, killSignal: 'SIGUSR2', ports: [{ name: 'http', protocol: 'tcp', hostPort: 18280 }] }));
      expect(o.info?.['mode']).toBe('boot');
      const body = await waitFor(async () => {
        try {
          return await (await fetch('http://127.0.0.1:18280/', { signal: AbortSignal.timeout(2000) })).text();
        } catch {
          return undefined;
        }
      }, 'the service init started', 30_000);
      expect(body).toBe('khutulun\n');
      const ps = await a.execCapture(id, ['sh', '-c', 'echo $$; cat /proc/1/comm']);
      expect(ps.exitCode).toBe(0);
      expect(ps.stdout).toMatch(/init/);
      expect((await a.logText(id)).stdout).toContain('booted');
      const root = String(o.info?.['root']);
      await a.remove(id, { timeoutMs: 5_000 });
      expect(await a.observe(id)).toBeUndefined();
      await expect(fetch('http://127.0.0.1:18280/', { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
      const { existsSync } = await import('node:fs');
      expect(existsSync(root)).toBe(false);
    } finally {
      await a.close();
    }
  });

  it('a directory tree in place with a read-only bind mount; a memory limit the cgroup enforces', async () => {
    const a = new NspawnRuntimeAdapter({ stateDir: scratch(), roots: [dirname(tarball!)], pollIntervalMs: 200 });
    const shared = scratch();
    writeFileSync(join(shared, 'hello.txt'), 'from the host\n');
    try {
      const mounted = await a.ensure('nspawn/bind', machine({
        mounts: [{ source: shared, target: '/data', readOnly: true }],
        command: ['sh', '-c', 'cat /data/hello.txt; echo x > /data/new 2>/dev/null && echo WRITABLE; exec sleep 3600'],
      }));
      expect(mounted.state).toBe('running');
      const out = await waitFor(async () => {
        const text = (await a.logText('nspawn/bind')).stdout;
        return text.includes('from the host') ? text : undefined;
      }, 'the mount output', 20_000);
      expect(out).not.toContain('WRITABLE');
      // 200 MB of memory in a machine limited to 32 MiB: the kernel kills it.
      await a.ensure('nspawn/oom', machine({
        limits: { memory: 32 * 1024 * 1024 },
        command: ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\\\0" a); echo survived ${#x}'],
      }));
      const done = await waitFor(async () => {
        const o = await a.observe('nspawn/oom');
        return o && o.state !== 'running' && o.state !== 'starting' ? o : undefined;
      }, 'the limited machine to end', 60_000);
      expect(done.state).toBe('failed');
      expect((await a.logText('nspawn/oom')).stdout).not.toContain('survived');
    } finally {
      for (const o of await a.list()) await a.remove(o.id, { timeoutMs: 1_000 });
      await a.close();
    }
  });

  it('faults are coded and leave nothing: a tree that is no OS tree, a path outside the roots, a missing binary', async () => {
    const stateDir = scratch();
    const a = new NspawnRuntimeAdapter({ stateDir, roots: [dirname(tarball!)], pollIntervalMs: 200 });
    const bare = join(scratch(), 'tree');
    mkdirSync(join(bare, 'bin'), { recursive: true });
    expect(await code(a.ensure('nspawn/bare', { kind: 'system-container', directory: bare, command: ['true'] }))).toBe('KH-NSPAWN-OUTSIDE-ROOT');
    const b = new NspawnRuntimeAdapter({ stateDir, roots: [dirname(bare)], pollIntervalMs: 200 });
    expect(await code(b.ensure('nspawn/bare', { kind: 'system-container', directory: bare, command: ['true'] }))).toBe('KH-NSPAWN-NOT-OS-TREE');
    expect(await code(a.ensure('nspawn/rel', { kind: 'system-container', directory: '../../etc', command: ['true'] }, { sourceDir: bare }))).toBe('KH-NSPAWN-OUTSIDE-ROOT');
    const none = new NspawnRuntimeAdapter({ stateDir, binary: '/nonexistent/systemd-nspawn' });
    expect(await code(none.ready())).toBe('KH-NSPAWN-UNAVAILABLE');
    expect(await a.list()).toEqual([]);
    await a.close();
    await b.close();
    await none.close();
  });
});
