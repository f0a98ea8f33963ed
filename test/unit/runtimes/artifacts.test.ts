/** Artifact fetching from a source dir and over HTTP served by the test itself on 127.0.0.1. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import { fetchArtifact } from '../../../runtimes/index.js';
import { waitFor } from '../../contracts/index.js';
import { scratch } from './process-helpers.js';

const script = '#!/bin/sh\necho "artifact says $1"\n';
const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
let dir: string;
let server: Server;
let base: string;
let hits = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kh-art-'));
  mkdirSync(join(dir, 'csar', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'csar', 'bin', 'hello.sh'), script);
  writeFileSync(join(dir, 'secret'), 'outside');
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/hello.sh') res.end(script);
    else if (req.url === '/boom') res.writeHead(503).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<KhutulunError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KhutulunError);
    expect((e as KhutulunError).hint).toBeTruthy();
    return e as KhutulunError;
  }
  throw new Error('expected a coded error');
}

describe('fetchArtifact', () => {
  it('copies a file relative to the source dir, verifies it and makes it executable', async () => {
    const workDir = join(dir, 'w1');
    const got = await fetchArtifact({ source: 'bin/hello.sh', target: 'bin/hello', checksum: `sha256:${sha(script)}`, executable: true }, { sourceDir: join(dir, 'csar'), workDir });
    expect(got.fetched).toBe(true);
    expect(readFileSync(got.path, 'utf8')).toBe(script);
    expect(statSync(got.path).mode & 0o111).not.toBe(0);
    const again = await fetchArtifact({ source: 'bin/hello.sh', target: 'bin/hello', checksum: `sha256:${sha(script)}`, executable: true }, { sourceDir: join(dir, 'csar'), workDir });
    expect(again.fetched).toBe(false);
  });

  it('downloads over http and verifies the checksum', async () => {
    const got = await fetchArtifact({ source: `${base}/hello.sh`, target: 'hello', checksum: `sha256:${sha(script)}` }, { workDir: join(dir, 'w2') });
    expect(readFileSync(got.path, 'utf8')).toBe(script);
    expect(got.sha256).toBe(sha(script));
  });

  it('a checksum mismatch is KH-ART-CHECKSUM and the file is not used (old target kept)', async () => {
    const workDir = join(dir, 'w3');
    mkdirSync(workDir, { recursive: true });
    writeFileSync(join(workDir, 'hello'), 'previous good version');
    const err = await code(fetchArtifact({ source: `${base}/hello.sh`, target: 'hello', checksum: `sha256:${'0'.repeat(64)}` }, { workDir }));
    expect(err.code).toBe('KH-ART-CHECKSUM');
    expect(readFileSync(join(workDir, 'hello'), 'utf8')).toBe('previous good version');
    expect(existsSync(join(workDir, 'hello.part'))).toBe(false);
  });

  it('coded errors: 404, 503 (retryable), missing file, escaping paths, bad checksum syntax, unreachable host', async () => {
    const workDir = join(dir, 'w4');
    expect((await code(fetchArtifact({ source: `${base}/nope`, target: 'x' }, { workDir }))).code).toBe('KH-ART-HTTP');
    const busy = await code(fetchArtifact({ source: `${base}/boom`, target: 'x' }, { workDir }));
    expect(busy.retryable).toBe(true);
    expect((await code(fetchArtifact({ source: 'bin/missing', target: 'x' }, { sourceDir: join(dir, 'csar'), workDir }))).code).toBe('KH-ART-NOT-FOUND');
    expect((await code(fetchArtifact({ source: '../secret', target: 'x' }, { sourceDir: join(dir, 'csar'), workDir }))).code).toBe('KH-ART-BAD-SPEC');
    expect((await code(fetchArtifact({ source: 'bin/hello.sh', target: '../../x' }, { sourceDir: join(dir, 'csar'), workDir }))).code).toBe('KH-ART-BAD-SPEC');
    expect((await code(fetchArtifact({ source: 'bin/hello.sh', target: 'x', checksum: 'md5:abc' }, { sourceDir: join(dir, 'csar'), workDir }))).code).toBe('KH-ART-BAD-SPEC');
    // a closed port on loopback: connection refused, retryable
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await code(fetchArtifact({ source: `http://127.0.0.1:${port}/x`, target: 'x' }, { workDir }));
    expect(refused.code).toBe('KH-ART-FETCH');
    expect(refused.retryable).toBe(true);
  });

  it('a process runs an artifact it fetched as its command', async () => {
    const s = scratch();
    try {
      const a = s.adapter();
      const before = hits;
      const o = await a.ensure('art/run', {
        kind: 'process',
        command: './bin/hello',
        args: ['hi'],
        artifacts: [{ source: `${base}/hello.sh`, target: 'bin/hello', checksum: `sha256:${sha(script)}`, executable: true }],
      });
      expect(hits).toBe(before + 1);
      await waitFor(async () => ((await a.observe('art/run'))?.state === 'exited' ? true : undefined), 'exit');
      expect(readFileSync(String(o.info?.['stdoutLog']), 'utf8').trim()).toBe('artifact says hi');
      const bad = a.ensure('art/bad', { kind: 'process', command: './bin/hello', artifacts: [{ source: `${base}/hello.sh`, target: 'bin/hello', checksum: `sha256:${'1'.repeat(64)}`, executable: true }] });
      await expect(bad).rejects.toMatchObject({ code: 'KH-ART-CHECKSUM' });
      expect(await a.observe('art/bad')).toBeUndefined();
    } finally {
      await s.dispose();
    }
  });
});
