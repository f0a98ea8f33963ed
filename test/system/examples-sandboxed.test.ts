/**
 * examples/sandboxed run as a user runs it (the real CLI as a child process) against the podman
 * service with runsc that scripts/ci/daemons.sh starts: the gVisor container sees gVisor's kernel,
 * its runc twin the host's; `--input sandbox=kata` on this host (no /dev/kvm, no Kata) fails the
 * node with KH-CONT-010 and leaves no container behind.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPodmanAdapter } from '../../runtimes/container/index.js';
import type { ContainerAdapter } from '../../runtimes/container/index.js';
import type { CliRun } from '../unit/cli/up-helpers.js';
import { jsonLine, killPids, startCli, waitFor } from '../unit/cli/up-helpers.js';
import { waitFor as poll } from '../contracts/wait-for.js';
import { busyboxImage, podmanSocket, requirePodman } from './container-env.js';
import { collectLogs } from '../../runtimes/index.js';

const enabled = requirePodman();
const runs: CliRun[] = [];
const dirs: string[] = [];
const adapters: ContainerAdapter[] = [];

function adapterFor(state: string): ContainerAdapter {
  const hostId = (JSON.parse(readFileSync(path.join(state, 'host.json'), 'utf8')) as { id: string }).id;
  const a = createPodmanAdapter({ hostId });
  adapters.push(a);
  return a;
}

function up(args: string[]): CliRun {
  const run = startCli(['up', ...args], { KH_PODMAN_SOCKET: podmanSocket });
  runs.push(run);
  return run;
}

async function finish(run: CliRun, signal?: NodeJS.Signals): Promise<number | null> {
  if (signal) run.child.kill(signal);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  return code;
}

afterAll(async () => {
  killPids(runs.map((r) => r.child.pid));
  for (const a of adapters) {
    for (const w of await a.list().catch(() => [])) await a.remove(w.id, { timeoutMs: 2000 }).catch(() => undefined);
    await a.close();
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!enabled)('examples/sandboxed (khutulun up, podman + runsc)', () => {
  it('the gvisor container runs on gVisor, its runc twin on the host kernel; SIGINT removes both', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kh-sandbox-'));
    dirs.push(dir);
    const state = path.join(dir, 'state');
    const run = up(['examples/sandboxed/service.yaml', '--name', 'sys-sandboxed', '--input', `image=${busyboxImage}`, '--state', state, '-o', 'json']);
    await waitFor('the outputs line', () => jsonLine(run), 120_000, run);
    const a = adapterFor(state);
    const ids = (await a.list()).map((w) => w.id).sort();
    expect(ids).toEqual(['sys-sandboxed/nodes/plain', 'sys-sandboxed/nodes/sandboxed']);
    const sandboxed = await a.observe('sys-sandboxed/nodes/sandboxed');
    expect(sandboxed?.info?.['sandbox']).toBe('gvisor');
    const kernel = async (id: string): Promise<string> =>
      poll(async () => /kernel (\S+)/.exec((await collectLogs(a.logs(id))).stdout)?.[1], `${id} logs`, 30_000);
    expect(await kernel('sys-sandboxed/nodes/plain')).toBe(release());
    expect(await kernel('sys-sandboxed/nodes/sandboxed')).not.toBe(release());
    expect(await finish(run, 'SIGINT')).toBe(0);
    expect(await a.list()).toEqual([]);
  }, 240_000);

  it('sandbox=kata on a host without KVM/Kata: KH-CONT-010 on the node, no container left', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kh-sandbox-'));
    dirs.push(dir);
    const state = path.join(dir, 'state');
    const run = up(['examples/sandboxed/service.yaml', '--name', 'sys-kata', '--input', `image=${busyboxImage}`, '--input', 'sandbox=kata', '--state', state, '-o', 'json']);
    expect(await finish(run)).toBe(1);
    expect(run.stderr).toMatch(/nodes\/sandboxed: KH-CONT-010: sandbox kata needs \/dev\/kvm|nodes\/sandboxed: KH-CONT-010: podman has no service running OCI runtime "kata"/);
    expect((await adapterFor(state).list()).map((w) => w.id)).toEqual([]);
  }, 180_000);
});
