/**
 * Bad input and faults under `khutulun up` (real CLI, real processes, no daemon): each faulty node
 * ends in `error` with its coded, actionable cause; its dependent never starts; the healthy node
 * starts and is stopped again; `up` exits 1 and leaves nothing running (every PID it started is
 * gone, the runtime's records are empty) and never touches the port the test holds.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliRun } from './up-helpers.js';
import { alive, killPids, portOpen, processRecords, startCli, watchPids } from './up-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-up-faults-'));
const runs: CliRun[] = [];
const seenPids = new Set<number>();
let holder: Server | undefined;

afterAll(async () => {
  killPids(runs.map((r) => r.child.pid));
  killPids(seenPids);
  await new Promise((r) => (holder ? holder.close(r) : r(undefined)));
  rmSync(dir, { recursive: true, force: true });
});

const tool = path.join(dir, 'tool.sh');
writeFileSync(tool, 'echo hi\n');
const wrongSum = `sha256:${createHash('sha256').update('something else').digest('hex')}`;

const template = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  inputs:
    taken: { type: integer }
  node_templates:
    healthy:
      type: Process
      properties:
        command: node
        args: [-e, "require('http').createServer((q, r) => r.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')"]
        ports: [{ name: http, port: 0 }]
    nocommand:
      type: Process
      properties:
        command: kh-no-such-command-e2e
    porttaken:
      type: Process
      properties:
        command: node
        args: [-e, "setInterval(() => {}, 1000)"]
        ports: [{ name: http, port: { $get_input: taken } }]
    badsum:
      type: Process
      properties:
        command: sh
        args: [tool.sh]
        artifacts:
          - { source: tool.sh, checksum: "${wrongSum}" }
    zoned:
      type: Process
      properties:
        command: node
        args: [-e, "setInterval(() => {}, 1000)"]
        ports: [{ name: http, port: 0, firewall_zone: public }]
    dependent:
      type: Process
      properties:
        command: node
        args: [-e, "setInterval(() => {}, 1000)"]
      requirements:
        - dependency: nocommand
`;

describe('khutulun up: faults', () => {
  it('reports each fault as a coded error on its node, starts nothing after it, leaves nothing running', async () => {
    holder = createServer();
    await new Promise<void>((r) => holder!.listen(0, '127.0.0.1', r));
    const taken = (holder.address() as { port: number }).port;
    const file = path.join(dir, 'faults.yaml');
    writeFileSync(file, template);
    const state = path.join(dir, 'state');
    // No firewalld: the system bus address points at nothing.
    const run = startCli(['up', file, '--input', `taken=${taken}`, '--state', state, '-o', 'json'], {
      DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${path.join(dir, 'no-bus')}`,
    });
    runs.push(run);
    // Record every PID the runtime starts while `up` runs (bounded by the exit or 120 s).
    const stopWatching = watchPids(state, seenPids);
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 120_000);
    const { code } = await run.exited;
    clearTimeout(timer);
    stopWatching();

    expect(code).toBe(1);
    expect(run.stdout).toBe('');
    const err = run.stderr;
    expect(err).toMatch(/nodes\/nocommand: KH-PROC-NOT-FOUND: command "kh-no-such-command-e2e"[^\n]*\(install the program/);
    expect(err).toMatch(new RegExp(`nodes/porttaken: KH-PORT-001: tcp port ${taken} [^\\n]*in use outside Khutulun`));
    expect(err).toMatch(/nodes\/badsum: KH-ART-CHECKSUM: /);
    expect(err).toMatch(/nodes\/zoned: KH-FW-001: firewalld is not reachable[^\n]*\(start firewalld/);
    expect(err).toMatch(/deploy of faults failed: 4 node\(s\) failed: /);
    // The dependent of a failed node never started; the healthy node did, and was stopped again.
    expect(err).not.toMatch(/dependent=(creating|starting|started)/);
    expect(err).toMatch(/healthy=started/);
    expect(err).toMatch(/stopping what was started/);

    expect(processRecords(state)).toEqual([]);
    for (const pid of seenPids) expect(alive(pid), `pid ${pid} still alive`).toBe(false);
    // Our port is still ours.
    expect(holder.listening).toBe(true);
    expect(await portOpen(taken)).toBe(true);
  }, 150_000);
});
