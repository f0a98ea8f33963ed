/**
 * Container features against the real podman API service: published ports, limits, pods, logs,
 * exec, restart policy, health checks, local images, and the coded failures.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../common/index.js';
import { createPodmanAdapter } from '../../runtimes/container/index.js';
import type { ContainerAdapter } from '../../runtimes/container/index.js';
import { probePort } from '../../runtimes/ports/index.js';
import { collectExec, collectLogs } from '../../runtimes/index.js';
import type { ObservedWorkload } from '../../runtimes/workload.js';
import { waitFor } from '../contracts/index.js';
import { busyboxImage, podmanSocket, requirePodman } from './container-env.js';

const httpd = (port: number): string[] => ['httpd', '-f', '-p', String(port), '-h', '/var/www'];

async function freePort(): Promise<number> {
  for (let p = 24000 + (process.pid % 2000); p < 30000; p++) if (await probePort(p, 'tcp')) return p;
  throw new Error('no free port');
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return res.text();
}

describe.skipIf(!requirePodman())('podman container features', () => {
  const hostId = `features-${process.pid}-${Date.now().toString(36)}`;
  let a: ContainerAdapter;
  let scratch: string;
  const until = (id: string, pred: (o: ObservedWorkload) => boolean, what: string) =>
    waitFor(async () => {
      const o = await a.observe(id);
      return o && pred(o) ? o : undefined;
    }, what, 30_000);

  beforeAll(() => {
    a = createPodmanAdapter({ socketPath: podmanSocket!, hostId });
    scratch = mkdtempSync(join(tmpdir(), 'kh-cont-test-'));
  });
  afterAll(async () => {
    for (const o of await a.list()) await a.remove(o.id, { timeoutMs: 1_000 });
    await a.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('publishes a port reachable on 127.0.0.1 and reports the bound host port', async () => {
    const port = await freePort();
    const o = await a.ensure('feat/web', {
      kind: 'container',
      image: busyboxImage,
      command: httpd(8080),
      ports: [{ name: 'http', protocol: 'tcp', containerPort: 8080, hostPort: port }],
    });
    expect(o.ports?.[0]?.hostPort).toBe(port);
    const body = await waitFor(() => fetchText(`http://127.0.0.1:${port}/`).catch(() => undefined), 'http answer', 15_000);
    expect(body.trim()).toBe('khutulun');
    await a.remove('feat/web', { timeoutMs: 1_000 });
    await expect(fetchText(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('lets the engine choose a host port when none is reserved', async () => {
    const o = await a.ensure('feat/auto', {
      kind: 'container',
      image: busyboxImage,
      command: httpd(8081),
      ports: [{ name: 'http', protocol: 'tcp', containerPort: 8081 }],
    });
    const chosen = o.ports?.[0]?.hostPort;
    expect(chosen).toBeGreaterThan(0);
    const body = await waitFor(() => fetchText(`http://127.0.0.1:${chosen}/`).catch(() => undefined), 'http answer', 15_000);
    expect(body.trim()).toBe('khutulun');
  });

  it('applies memory, cpu and pids limits (cgroup files inside the container)', async () => {
    await a.ensure('feat/limits', {
      kind: 'container',
      image: busyboxImage,
      command: ['sleep', '3600'],
      limits: { memory: 64 * 1024 * 1024, cpus: 0.5, pids: 50 },
    });
    const read = async (v1: string, v2: string): Promise<string> =>
      (await collectExec(await a.exec('feat/limits', ['sh', '-c', `cat ${v1} 2>/dev/null || cat ${v2}`]))).stdout.trim();
    expect(await read('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory.max')).toBe(String(64 * 1024 * 1024));
    expect(await read('/sys/fs/cgroup/pids/pids.max', '/sys/fs/cgroup/pids.max')).toBe('50');
    const cpu = await read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu.max');
    expect(cpu.split(' ')[0]).toBe('50000');
  });

  it('exec returns exit code, stdout and stderr; logs return the output', async () => {
    await a.ensure('feat/logs', {
      kind: 'container',
      image: busyboxImage,
      command: ['sh', '-c', 'echo hello-out; echo hello-err >&2; exec sleep 3600'],
      env: { GREETING: 'hi there' },
    });
    const r = await collectExec(await a.exec('feat/logs', ['sh', '-c', 'echo "$GREETING"; echo oops >&2; exit 7']));
    expect(r).toEqual({ exitCode: 7, stdout: 'hi there\n', stderr: 'oops\n' });
    const logs = await waitFor(async () => {
      const l = await collectLogs(a.logs('feat/logs'));
      return l.stdout.includes('hello-out') && l.stderr.includes('hello-err') ? l : undefined;
    }, 'logs', 10_000);
    expect(logs.stdout).toBe('hello-out\n');
    expect(logs.stderr).toBe('hello-err\n');
    // Followed: a line written later arrives on the open stream; --tail limits what came before.
    const stop = new AbortController();
    const seen: string[] = [];
    const follow = (async () => {
      for await (const c of a.logs('feat/logs', { follow: true, tail: 1, signal: stop.signal })) seen.push(`${c.stream}:${c.text}`);
    })();
    await collectExec(await a.exec('feat/logs', ['sh', '-c', 'echo later > /proc/1/fd/1']));
    await waitFor(async () => (seen.join('').includes('later') ? true : undefined), 'followed log line', 10_000);
    stop.abort();
    await follow;
    expect(seen.join('')).not.toContain('hello-out');
    // exec output streams: the first line arrives while the command still runs.
    const session = await a.exec('feat/logs', ['sh', '-c', 'echo early; sleep 2; echo late >&2; exit 3']);
    let exited = false;
    void session.exitCode.then(() => (exited = true));
    const pieces: string[] = [];
    for await (const c of session.output) {
      pieces.push(`${c.stream}:${c.text}`);
      if (pieces.length === 1) expect(exited).toBe(false);
    }
    expect(pieces.join('')).toBe('stdout:early\nstderr:late\n');
    expect(await session.exitCode).toBe(3);
  });

  it('mounts a host directory read-only and sets the working directory', async () => {
    const dir = join(scratch, 'data');
    mkdirSync(dir);
    writeFileSync(join(dir, 'greeting.txt'), 'from the host\n');
    await a.ensure('feat/mount', {
      kind: 'container',
      image: busyboxImage,
      command: ['sleep', '3600'],
      mounts: [{ source: dir, target: '/data', readOnly: true }],
      workingDir: '/data',
    });
    expect((await collectExec(await a.exec('feat/mount', ['cat', 'greeting.txt']))).stdout).toBe('from the host\n');
    const write = await collectExec(await a.exec('feat/mount', ['sh', '-c', 'echo x > /data/new 2>&1']));
    expect(write.exitCode).not.toBe(0);
  });

  it('containers in one pod share a network namespace; the pod publishes the ports', async () => {
    const port = await freePort();
    await a.ensure('feat/pod-web', {
      kind: 'container',
      image: busyboxImage,
      pod: `p${process.pid}`,
      command: httpd(9090),
      ports: [{ name: 'http', protocol: 'tcp', containerPort: 9090, hostPort: port }],
    });
    const side = await a.ensure('feat/pod-side', { kind: 'container', image: busyboxImage, pod: `p${process.pid}`, command: ['sleep', '3600'] });
    expect(side.info?.['pod']).toBe(`p${process.pid}`);
    // The sidecar reaches the web server on ITS OWN loopback: same netns.
    const r = await waitFor(async () => {
      const x = await collectExec(await a.exec('feat/pod-side', ['wget', '-q', '-O', '-', 'http://127.0.0.1:9090/']));
      return x.exitCode === 0 ? x : undefined;
    }, 'sidecar reaches web over loopback', 15_000);
    expect(r.stdout.trim()).toBe('khutulun');
    expect((await fetchText(`http://127.0.0.1:${port}/`)).trim()).toBe('khutulun');
    await a.remove('feat/pod-web', { timeoutMs: 1_000 });
    await a.remove('feat/pod-side', { timeoutMs: 1_000 });
    const pods = execFileSync('podman', ['pod', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8' });
    expect(pods).not.toContain(`kh-pod-p${process.pid}`);
  });

  it('restart policy on-failure restarts a crashing container; never does not', async () => {
    await a.ensure('feat/crash', { kind: 'container', image: busyboxImage, command: ['sh', '-c', 'sleep 0.3; exit 1'], restart: 'on-failure' });
    const restarted = await until('feat/crash', (o) => (o.restarts ?? 0) >= 1, 'a restart');
    expect(restarted.restarts).toBeGreaterThanOrEqual(1);
    await a.ensure('feat/once', { kind: 'container', image: busyboxImage, command: ['sh', '-c', 'exit 1'], restart: 'never' });
    const failed = await until('feat/once', (o) => o.state === 'failed', 'failed');
    expect(failed.restarts).toBe(0);
  });

  it('health checks report healthy and unhealthy', async () => {
    await a.ensure('feat/healthy', {
      kind: 'container',
      image: busyboxImage,
      command: httpd(8082),
      health: { httpGet: { port: 8082, path: '/' }, intervalMs: 1_000, retries: 1 },
    });
    expect(await waitFor(async () => ((await a.checkHealth('feat/healthy')) === 'healthy' ? 'healthy' : undefined), 'healthy', 15_000)).toBe('healthy');
    expect((await a.observe('feat/healthy'))?.info?.['health']).toBe('healthy');
    await a.ensure('feat/sick', {
      kind: 'container',
      image: busyboxImage,
      command: ['sleep', '3600'],
      health: { command: ['false'], intervalMs: 1_000, retries: 1 },
    });
    expect(await waitFor(async () => ((await a.checkHealth('feat/sick')) === 'unhealthy' ? 'unhealthy' : undefined), 'unhealthy', 15_000)).toBe('unhealthy');
  });

  it('imports an image from a root-fs tarball and tags it as asked (import ignores the tag)', async () => {
    const root = join(scratch, 'root');
    mkdirSync(join(root, 'bin'), { recursive: true });
    execFileSync('cp', ['/bin/busybox', join(root, 'bin', 'busybox')]);
    execFileSync('ln', ['-s', 'busybox', join(root, 'bin', 'sh')]);
    const tarPath = join(scratch, 'rootfs.tar');
    execFileSync('tar', ['-C', root, '-cf', tarPath, '.']);
    const image = `localhost/kh-import-${process.pid}:v1`;
    const o = await a.ensure('feat/imported', {
      kind: 'container',
      image,
      imageSource: { importTar: tarPath },
      command: ['/bin/sh', '-c', 'echo imported; exec /bin/busybox sleep 3600'],
    });
    expect(o.info?.['image']).toContain(`kh-import-${process.pid}`);
    await a.remove('feat/imported', { timeoutMs: 1_000 });
    execFileSync('podman', ['rmi', '-f', image, `localhost/kh-import-${process.pid}:latest`], { stdio: 'ignore' });
  });

  it('coded failures: port taken, missing image, daemon gone, bad spec', async () => {
    const server: Server = createServer();
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '0.0.0.0', r));
    try {
      const err = await a
        .ensure('feat/clash', { kind: 'container', image: busyboxImage, command: httpd(80), ports: [{ name: 'h', protocol: 'tcp', containerPort: 80, hostPort: port }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KhutulunError);
      expect((err as KhutulunError).code).toBe('KH-CONT-003');
      expect(await a.observe('feat/clash')).toBeUndefined(); // nothing half-made left behind
    } finally {
      server.close();
    }
    const missing = await a.ensure('feat/missing', { kind: 'container', image: 'localhost/nope-nope:9', imageSource: { pull: false } }).catch((e: unknown) => e);
    expect((missing as KhutulunError).code).toBe('KH-CONT-002');
    const gone = createPodmanAdapter({ socketPath: join(scratch, 'no.sock'), hostId });
    const down = await gone.ready().catch((e: unknown) => e);
    expect((down as KhutulunError).code).toBe('KH-CONT-001');
    expect((down as KhutulunError).retryable).toBe(true);
    await gone.close();
    const bad = await a.ensure('feat/bad', { kind: 'container', image: busyboxImage, limits: { memory: -1 } }).catch((e: unknown) => e);
    expect((bad as KhutulunError).code).toBe('KH-CONT-004');
  });
});
