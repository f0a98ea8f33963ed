/** The nspawn runtime's pure parts: spec validation, machine names, the generated command line, path confinement. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import { checkOsTree, confinedPath, machineName, nspawnArgs, validateSystemContainerSpec } from '../../../runtimes/nspawn/index.js';
import type { SystemContainerSpec } from '../../../runtimes/nspawn/index.js';
import { systemContainerSpec } from '../../../plugins/builtin/nspawn/index.js';

const spec = (extra: Partial<SystemContainerSpec> = {}): SystemContainerSpec => ({ kind: 'system-container', directory: '/var/lib/machines/m', command: ['sleep', '1'], ...extra });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KhutulunError);
    expect((e as KhutulunError).hint).toBeTruthy();
    return (e as KhutulunError).code;
  }
  throw new Error('expected a coded error');
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SystemContainerSpec validation', () => {
  it('accepts command mode and boot mode; refuses what nspawn would misread (KH-NSPAWN-BAD-SPEC)', () => {
    expect(() => validateSystemContainerSpec(spec())).not.toThrow();
    expect(() => validateSystemContainerSpec({ kind: 'system-container', imageTar: 'r.tar', boot: true })).not.toThrow();
    const bad: unknown[] = [
      { kind: 'system-container', command: ['x'] }, // no root
      spec({ imageTar: 'r.tar' }), // two roots
      { kind: 'system-container', directory: '/d' }, // no command, no boot
      spec({ boot: true }), // boot with a command
      spec({ network: 'bridge' as never }),
      spec({ network: 'private', ports: [{ name: 'http', protocol: 'tcp', hostPort: 80 }] }),
      spec({ mounts: [{ source: 'rel', target: '/x' }] }),
      spec({ mounts: [{ source: '/a:b', target: '/x' }] }),
      spec({ mounts: [{ source: 'vol', target: '/x', type: 'volume' }] }),
      spec({ env: { 'A=B': 'x' } }),
      spec({ killSignal: 'TERM; rm -rf /' }),
      spec({ workingDir: 'relative' }),
      spec({ restart: 'sometimes' as never }),
      { kind: 'container', image: 'x' },
      null,
    ];
    for (const b of bad) expect(codeOf(() => validateSystemContainerSpec(b))).toBe('KH-NSPAWN-BAD-SPEC');
  });

  it('machine names are valid hostnames, stable and distinct', () => {
    const a = machineName('deploy/nodes/web#1');
    expect(a).toMatch(/^kh-[a-z0-9-]+$/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(machineName('deploy/nodes/web#1')).toBe(a);
    expect(machineName('deploy/nodes/web#2')).not.toBe(a);
    expect(machineName('x'.repeat(300)).length).toBeLessThanOrEqual(64);
  });
});

describe('the systemd-nspawn command line', () => {
  it('single-command mode without machined: --register=no --keep-unit, mounts, env, the command after --', () => {
    const args = nspawnArgs(
      spec({
        env: { PORT: '8080' },
        mounts: [{ source: '/srv/data', target: '/data', readOnly: true }, { source: '/srv/rw', target: '/rw' }],
        workingDir: '/data',
        user: 'nobody',
        network: 'private',
        readOnly: true,
        killSignal: 'SIGTERM',
      }),
      { root: '/r', machine: 'kh-m' },
    );
    expect(args).toEqual([
      '--quiet', '--directory=/r', '--machine=kh-m', '--register=no', '--keep-unit', '--read-only', '--private-network',
      '--bind-ro=/srv/data:/data', '--bind=/srv/rw:/rw', '--setenv=PORT=8080', '--chdir=/data', '--user=nobody', '--kill-signal=SIGTERM',
      '--', 'sleep', '1',
    ]);
  });

  it('boot mode with machined registration and a veth link', () => {
    const args = nspawnArgs({ kind: 'system-container', directory: '/r', boot: true, network: 'veth' }, { root: '/r', machine: 'kh-b', register: true });
    expect(args).toEqual(['--quiet', '--directory=/r', '--machine=kh-b', '--network-veth', '--boot']);
  });
});

describe('roots: confinement and the OS-tree check', () => {
  const base = mkdtempSync(join(tmpdir(), 'kh-nspawn-unit-'));
  dirs.push(base);
  const src = join(base, 'src');
  const tree = join(src, 'tree');
  mkdirSync(join(tree, 'usr/lib'), { recursive: true });
  writeFileSync(join(tree, 'usr/lib/os-release'), 'ID=test\n');
  mkdirSync(join(base, 'outside'));
  symlinkSync(join(base, 'outside'), join(src, 'escape'));

  it('relative paths resolve in the source folder and may not leave it, not even through a symlink', () => {
    expect(confinedPath('tree', src, [], 'directory')).toBe(tree);
    expect(codeOf(() => confinedPath('../outside', src, [], 'directory'))).toBe('KH-NSPAWN-OUTSIDE-ROOT');
    expect(codeOf(() => confinedPath('escape', src, [], 'directory'))).toBe('KH-NSPAWN-OUTSIDE-ROOT');
    expect(codeOf(() => confinedPath('missing', src, [], 'directory'))).toBe('KH-NSPAWN-ROOT-MISSING');
    expect(codeOf(() => confinedPath('tree', undefined, [], 'directory'))).toBe('KH-NSPAWN-OUTSIDE-ROOT');
    expect(confinedPath(tree, undefined, [src], 'directory')).toBe(tree);
    expect(codeOf(() => confinedPath('/etc', undefined, [src], 'directory'))).toBe('KH-NSPAWN-OUTSIDE-ROOT');
  });

  it('an OS tree needs /usr and an os-release; boot mode needs an init', () => {
    expect(() => checkOsTree(tree, false)).not.toThrow();
    expect(codeOf(() => checkOsTree(tree, true))).toBe('KH-NSPAWN-NOT-OS-TREE');
    expect(codeOf(() => checkOsTree(join(base, 'outside'), false))).toBe('KH-NSPAWN-NOT-OS-TREE');
  });
});

describe('khutulun.nspawn plugin: vertex -> spec', () => {
  const vertex = (properties: Record<string, unknown>) =>
    ({ id: 'd/nodes/m', classes: ['khutulun.org:core:SystemContainer'], properties, attributes: {}, edges: [] }) as unknown as Parameters<typeof systemContainerSpec>[0];

  it('maps the profile properties', () => {
    const s = systemContainerSpec(vertex({ image_tar: 'r.tar', boot: true, network: 'private', kill_signal: 'SIGUSR2', read_only: true, mounts: [{ source: '/a', target: '/b', read_only: true }] }));
    expect(s).toMatchObject({ kind: 'system-container', imageTar: 'r.tar', boot: true, network: 'private', killSignal: 'SIGUSR2', readOnly: true, mounts: [{ source: '/a', target: '/b', readOnly: true }] });
  });

  it('refuses a machine without a root', () => {
    expect(() => systemContainerSpec(vertex({ command: ['true'] }))).toThrow(/directory or image_tar/);
  });
});
