/**
 * DockerodeApi.inspectContainer against a stand-in HTTP API on a unix socket: Podman's 500
 * "no such process" while a container exits is asked again (bounded); other errors are not.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerodeApi } from '../../../runtimes/container/dockerode-api.js';

describe('DockerodeApi.inspectContainer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kh-dockerode-'));
  const socket = join(dir, 'api.sock');
  let server: Server;
  let failuresLeft = 0;
  let failure = '';
  let calls = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls++;
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ cause: failure, message: failure, response: 500 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ Id: 'c1', State: { Status: 'exited', ExitCode: 4 } }));
    });
    await new Promise<void>((r) => server.listen(socket, r));
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks again when Podman races with the exiting container', async () => {
    failuresLeft = 2;
    failure = 'inspect failed: read /proc/14023/cgroup: no such process';
    calls = 0;
    const api = new DockerodeApi(socket, { podman: true });
    expect(await api.inspectContainer('c1')).toMatchObject({ Id: 'c1', State: { ExitCode: 4 } });
    expect(calls).toBe(3);
  });

  it('does not retry other server errors', async () => {
    failuresLeft = 1;
    failure = 'something else broke';
    calls = 0;
    const api = new DockerodeApi(socket, { podman: true });
    await expect(api.inspectContainer('c1')).rejects.toBeDefined();
    expect(calls).toBe(1);
  });
});
