/** Pure parts of the container runtime: validation, create body, names, hashes, parsing. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import {
  classifyEngineError,
  containerName,
  demuxDockerStream,
  mapState,
  podmanConfig,
  splitImageRef,
  toCreateBody,
  toObserved,
  validateContainerSpec,
} from '../../../runtimes/container/index.js';
import type { ContainerInspect } from '../../../runtimes/container/index.js';
import { canonicalJson, specHash } from '../../../runtimes/container/container-spec.js';
import { toLibpodSpec } from '../../../runtimes/container/libpod-spec.js';
import type { ContainerSpec } from '../../../runtimes/workload.js';

const config = podmanConfig({ socketPath: '/s', hostId: 'host-a', env: {} });
const base: ContainerSpec = { kind: 'container', image: 'localhost/app:1' };

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('validateContainerSpec', () => {
  const bad: [string, unknown][] = [
    ['not an object', 42],
    ['wrong kind', { ...base, kind: 'process' }],
    ['empty image', { ...base, image: '' }],
    ['image with spaces', { ...base, image: 'a b' }],
    ['command not strings', { ...base, command: ['a', 1] }],
    ['relative bind source', { ...base, mounts: [{ source: 'data', target: '/d' }] }],
    ['relative target', { ...base, mounts: [{ source: '/data', target: 'd' }] }],
    ['bad volume name', { ...base, mounts: [{ source: '/x', target: '/d', type: 'volume' }] }],
    ['port out of range', { ...base, ports: [{ name: 'h', protocol: 'tcp', containerPort: 70000 }] }],
    ['port without number', { ...base, ports: [{ name: 'h', protocol: 'tcp' }] }],
    ['duplicate port', { ...base, ports: [{ name: 'a', protocol: 'tcp', containerPort: 80 }, { name: 'b', protocol: 'tcp', containerPort: 80 }] }],
    ['tiny memory', { ...base, limits: { memory: 1024 } }],
    ['zero cpus', { ...base, limits: { cpus: 0 } }],
    ['fractional pids', { ...base, limits: { pids: 1.5 } }],
    ['unknown restart', { ...base, restart: 'sometimes' }],
    ['pod and network', { ...base, pod: 'p', network: 'n' }],
    ['env key with =', { ...base, env: { 'A=B': 'x' } }],
    ['env as a string', { ...base, env: 'A=1' }],
    ['mounts not an array', { ...base, mounts: { source: '/a', target: '/b' } }],
    ['null port', { ...base, ports: [null] }],
    ['numeric working dir', { ...base, workingDir: 5 }],
    ['health command not strings', { ...base, health: { command: 5 } }],
    ['health path without slash', { ...base, health: { httpGet: { port: 80, path: 'x' } } }],
    ['health interval zero', { ...base, health: { tcpPort: 80, intervalMs: 0 } }],
    ['label with a number value', { ...base, labels: { a: 1 } }],
  ];
  it.each(bad)('rejects %s with KH-CONT-004', (_name, spec) => {
    try {
      validateContainerSpec(spec);
    } catch (e) {
      expect(e).toBeInstanceOf(KhutulunError);
      expect((e as KhutulunError).code).toBe('KH-CONT-004');
      expect((e as KhutulunError).hint).toBeTruthy();
      return;
    }
    throw new Error('accepted a bad spec');
  });

  it('property: arbitrary input is accepted or rejected with KH-CONT-004, never a crash', () => {
    const fieldArb = fc.record(
      {
        kind: fc.oneof(fc.constant('container'), fc.anything()),
        image: fc.oneof(fc.constant('localhost/a:1'), fc.anything()),
        command: fc.anything(),
        env: fc.anything(),
        labels: fc.anything(),
        workingDir: fc.anything(),
        health: fc.oneof(fc.anything(), fc.record({ command: fc.anything(), httpGet: fc.anything(), tcpPort: fc.anything(), intervalMs: fc.anything() }, { requiredKeys: [] })),
        mounts: fc.oneof(fc.array(fc.record({ source: fc.anything(), target: fc.anything(), type: fc.anything() })), fc.constant(undefined)),
        ports: fc.oneof(fc.array(fc.record({ name: fc.string(), protocol: fc.anything(), containerPort: fc.anything(), hostPort: fc.anything() })), fc.constant(undefined)),
        limits: fc.oneof(fc.record({ memory: fc.anything(), cpus: fc.anything(), pids: fc.anything() }), fc.constant(undefined)),
        restart: fc.anything(),
        pod: fc.anything(),
      },
      { requiredKeys: ['kind', 'image'] },
    );
    fc.assert(
      fc.property(fc.oneof(fieldArb, fc.anything()), (input) => {
        try {
          validateContainerSpec(input);
          // accepted: mapping it must not throw either
          toCreateBody('d/x', input, { config });
        } catch (e) {
          expect(e).toBeInstanceOf(KhutulunError);
          expect((e as KhutulunError).code).toBe('KH-CONT-004');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a full spec', () => {
    expect(() =>
      validateContainerSpec({
        ...base,
        command: ['sh'],
        env: { A: '1' },
        mounts: [{ source: '/srv', target: '/srv', readOnly: true }, { source: 'vol1', target: '/v', type: 'volume' }],
        ports: [{ name: 'h', protocol: 'udp', containerPort: 53, hostPort: 0 }],
        limits: { memory: 64 * 1024 * 1024, cpus: 0.25, pids: 10 },
        restart: 'always',
        pod: 'p1',
      }),
    ).not.toThrow();
  });
});

describe('toCreateBody', () => {
  it('maps every field and adds our labels', () => {
    const body = toCreateBody('dep/web#1', {
      ...base,
      command: ['httpd'],
      entrypoint: ['/bin/sh', '-c'],
      env: { A: '1' },
      workingDir: '/w',
      user: 'nobody',
      mounts: [{ source: '/srv', target: '/data', readOnly: true }],
      ports: [{ name: 'http', protocol: 'tcp', containerPort: 80, hostPort: 8080 }],
      limits: { memory: 64 * 1024 * 1024, cpus: 0.5, pids: 50 },
      restart: 'on-failure',
      stopTimeoutMs: 2500,
      health: { tcpPort: 80, intervalMs: 1000 },
      labels: { team: 'a', 'io.khutulun.host': 'spoof' },
    }, { config });
    expect(body.name).toBe(containerName('dep/web#1'));
    expect(body.Cmd).toEqual(['httpd']);
    expect(body.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(body.Env).toEqual(['A=1']);
    expect(body.Labels['team']).toBe('a');
    expect(body.Labels['io.khutulun.host']).toBe('host-a'); // ours win over user labels
    expect(body.Labels['io.khutulun.workload']).toBe('dep/web#1');
    expect(body.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
    expect(body.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(body.HostConfig.Binds).toEqual(['/srv:/data:ro']);
    expect(body.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(body.HostConfig.NanoCpus).toBe(500_000_000);
    expect(body.HostConfig.PidsLimit).toBe(50);
    expect(body.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure' });
    expect(body.StopTimeout).toBe(3);
    expect(body.Healthcheck?.Test).toEqual(['CMD-SHELL', 'nc -z 127.0.0.1 80']);
    expect(body.Healthcheck?.Interval).toBe(1_000_000_000);
  });

  it('pod members publish no ports of their own', () => {
    const body = toCreateBody('d/p', { ...base, pod: 'p', ports: [{ name: 'h', protocol: 'tcp', containerPort: 80 }] }, { config, podName: 'kh-pod-p' });
    expect(body.HostConfig.PortBindings).toBeUndefined();
    expect(body.HostConfig.NetworkMode).toBeUndefined();
    expect(body.Labels['io.khutulun.pod']).toBe('p');
  });

  it('translates to a libpod spec for pod members', () => {
    const body = toCreateBody('d/p', { ...base, pod: 'p', env: { X: 'a=b' }, mounts: [{ source: '/s', target: '/t', readOnly: true }, { source: 'v', target: '/v', type: 'volume' }], limits: { cpus: 0.5, memory: 8 << 20, pids: 5 }, restart: 'always' }, { config, podName: 'kh-pod-p' });
    const lp = toLibpodSpec(body, 'kh-pod-p');
    expect(lp.pod).toBe('kh-pod-p');
    expect(lp.env).toEqual({ X: 'a=b' });
    expect(lp.mounts).toEqual([{ destination: '/t', source: '/s', type: 'bind', options: ['rbind', 'ro'] }]);
    expect(lp.volumes).toEqual([{ Name: 'v', Dest: '/v', Options: [] }]);
    expect(lp.resource_limits).toEqual({ memory: { limit: 8 << 20 }, cpu: { quota: 50_000, period: 100_000 }, pids: { limit: 5 } });
    expect(lp.restart_policy).toBe('always');
  });
});

describe('names and hashes', () => {
  it('container names are valid, stable and distinct for distinct ids', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.string({ minLength: 1, maxLength: 80 }), (a, b) => {
        expect(containerName(a)).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
        expect(containerName(a)).toBe(containerName(a));
        if (a !== b) expect(containerName(a)).not.toBe(containerName(b));
      }),
      { numRuns: 200 },
    );
  });

  it('the spec hash ignores key order and undefined fields', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), (env) => {
        const reversed = Object.fromEntries(Object.entries(env).reverse());
        expect(specHash({ ...base, env })).toBe(specHash({ ...base, env: reversed, user: undefined }));
        expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
      }),
      { numRuns: 100 },
    );
    expect(specHash(base)).not.toBe(specHash({ ...base, image: 'localhost/app:2' }));
  });

  it('splits image references (registry ports are not tags)', () => {
    expect(splitImageRef('localhost/app:1')).toEqual(['localhost/app', '1']);
    expect(splitImageRef('localhost:5000/app')).toEqual(['localhost:5000/app', 'latest']);
    expect(splitImageRef('busybox')).toEqual(['busybox', 'latest']);
    expect(splitImageRef('app@sha256:abc')).toEqual(['app', 'sha256:abc']);
  });
});

describe('engine output', () => {
  it('demultiplexes stdout and stderr frames; raw streams pass through', () => {
    const buf = Buffer.concat([frame(1, 'a'), frame(2, 'err'), frame(1, 'b\n')]);
    expect(demuxDockerStream(buf)).toEqual({ stdout: 'ab\n', stderr: 'err' });
    expect(demuxDockerStream(Buffer.from('plain text\n'))).toEqual({ stdout: 'plain text\n', stderr: '' });
    expect(demuxDockerStream(Buffer.alloc(0))).toEqual({ stdout: '', stderr: '' });
  });

  it('maps engine states and exit causes', () => {
    const inspect = (Status: string, ExitCode = 0, OOMKilled = false): ContainerInspect => ({
      Id: 'x',
      Name: '/n',
      Config: { Labels: { 'io.khutulun.workload': 'd/w', 'io.khutulun.ports': '[{"name":"h","protocol":"tcp","containerPort":80}]' } },
      State: { Status, ExitCode, OOMKilled, StartedAt: '0001-01-01T00:00:00Z' },
      NetworkSettings: { Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '32768' }] } },
    });
    expect(mapState(inspect('created'))).toBe('pending');
    expect(mapState(inspect('configured'))).toBe('pending');
    expect(mapState(inspect('running'))).toBe('running');
    expect(mapState(inspect('restarting'))).toBe('starting');
    expect(mapState(inspect('exited', 0))).toBe('exited');
    expect(mapState(inspect('exited', 2))).toBe('failed');
    expect(mapState(inspect('weird'))).toBe('unknown');
    const o = toObserved(inspect('exited', 137, true), { runtime: 'podman', labelPrefix: 'io.khutulun' });
    expect(o.id).toBe('d/w');
    expect(o.cause?.code).toBe('KH-CONT-008');
    expect(o.startedAt).toBeUndefined();
    expect(o.ports?.[0]?.hostPort).toBe(32768);
  });

  it('classifies engine failures into stable codes', () => {
    const ctx = { engine: 'podman', socketPath: '/s', what: 'create', image: 'img' };
    expect(classifyEngineError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), ctx).code).toBe('KH-CONT-001');
    expect(classifyEngineError(Object.assign(new Error('x'), { statusCode: 500, json: { message: 'bind: address already in use' } }), ctx).code).toBe('KH-CONT-003');
    expect(classifyEngineError(Object.assign(new Error('x'), { statusCode: 404, json: { message: 'no such image' } }), ctx).code).toBe('KH-CONT-002');
    const other = classifyEngineError(Object.assign(new Error('x'), { statusCode: 400, json: { message: 'nope' } }), ctx);
    expect(other.code).toBe('KH-CONT-005');
    expect(other.retryable).toBe(false);
  });
});
