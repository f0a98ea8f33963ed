import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../common/index.js';
import { effectProblem, isValidPluginId, parseHandlerName, parseInvokeOutput } from '../../../plugins/host/index.js';
import { grantForImport } from '../../../plugins/host/registration.js';
import { watchProgress } from '../../../plugins/host/watchdog.js';
import { definePlugin, ensure, emit, log, parseDurationMs, parseSizeBytes, setProperty } from '../../../plugins/sdk/index.js';
import { processSpec } from '../../../plugins/builtin/process/plugin.js';
import { containerSpec } from '../../../plugins/builtin/container/plugin.js';
import { snapshot } from './fixtures.js';

describe('effects and output checks', () => {
  it('accepts what the SDK builders make', () => {
    for (const e of [setProperty('a', 1), setProperty('a', null, 'd/v'), ensure('process', 'd/v', { kind: 'process', command: 'x' }), emit('go', { n: 1 }), log('warn', 'm')]) {
      expect(effectProblem(e)).toBeUndefined();
    }
  });
  it('names the problem of malformed effects', () => {
    expect(effectProblem({ type: 'intent', intent: { action: 'start', runtime: 'p', workload: 'w' } })).toMatch(/action/);
    expect(effectProblem({ type: 'set-property', property: 'x' })).toMatch(/value/);
    expect(effectProblem({ type: 'log', level: 'loud', message: 'x' })).toMatch(/level/);
    expect(effectProblem(42)).toMatch(/object/);
  });
  it('parseInvokeOutput never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const r = parseInvokeOutput(text, 'p');
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.error.code).toBe('KH-PLUGIN-OUTPUT');
      }),
      { numRuns: 300 },
    );
  });
});

describe('names and grants', () => {
  it('splits handler names at the last colon', () => {
    expect(parseHandlerName('khutulun.process:start')).toEqual({ plugin: 'khutulun.process', fn: 'start' });
    expect(parseHandlerName('a/b:c:d')).toEqual({ plugin: 'a/b:c', fn: 'd' });
    expect(parseHandlerName('nofn:')).toBeUndefined();
    expect(parseHandlerName(':x')).toBeUndefined();
  });
  it('validates plugin ids', () => {
    expect(isValidPluginId('khutulun.process')).toBe(true);
    expect(isValidPluginId('acme/tools/x-1')).toBe(true);
    for (const bad of ['', 'a:b', '/a', 'a//b', 'a b', 42]) expect(isValidPluginId(bad)).toBe(false);
  });
  it('maps WASI imports to grant groups (io always allowed)', () => {
    expect(grantForImport('wasi:io/streams@0.2.3')).toBeUndefined();
    expect(grantForImport('wasi:filesystem/types')).toBe('filesystem');
    expect(grantForImport('wasi:sockets/tcp@0.2.0')).toBe('network');
    expect(grantForImport('wasi:http/outgoing-handler')).toBe('network');
    expect(grantForImport('wasi:cli/environment')).toBe('environment');
    expect(grantForImport('wasi:cli/stdout')).toBe('stdio');
    expect(grantForImport('acme:secret/keys')).toBe('other');
  });
});

describe('watchdog (ManualClock)', () => {
  it('fires only when the counter stalls for a full call timeout, and uses the load budget at 0', () => {
    const clock = new ManualClock(0);
    const progress = new Int32Array(new SharedArrayBuffer(8));
    let fired = 0;
    const watch = watchProgress({ clock, progress, callTimeoutMs: 100, loadTimeoutMs: 1000, onStuck: () => fired++ });
    clock.advance(5000); // queued behind other tasks: no budget runs
    expect(fired).toBe(0);
    progress[1] = 1; // a worker picked it up
    clock.advance(500); // loading: under the load budget
    expect(fired).toBe(0);
    progress[0] = 1;
    clock.advance(75);
    progress[0] = 2; // moving: no cut
    clock.advance(75);
    expect(fired).toBe(0);
    clock.advance(150); // stalled on call 2
    expect(fired).toBe(1);
    clock.advance(1000);
    expect(fired).toBe(1);
    watch.stop();
  });
  it('stop() cancels it', () => {
    const clock = new ManualClock(0);
    let fired = 0;
    watchProgress({ clock, progress: undefined, callTimeoutMs: 10, loadTimeoutMs: 10, onStuck: () => fired++ }).stop();
    clock.advance(100);
    expect(fired).toBe(0);
  });
});

describe('SDK in-process', () => {
  const plugin = definePlugin('t', { a: (e, v) => [log('info', `${e.name} ${v.id}`)] });
  it('invoke answers the documented JSON and refuses unknown functions with a coded error', () => {
    expect(JSON.parse(plugin.invoke('a', '{"name":"E"}', JSON.stringify(snapshot('x'))))).toEqual({ effects: [{ type: 'log', level: 'info', message: 'E x' }] });
    expect(() => plugin.invoke('zz', '{"name":"E"}', '{}')).toThrow(/KH-PLUGIN-NOFUNC/);
    expect(() => plugin.invoke('a', 'not json', '{}')).toThrow(/KH-PLUGIN-FAILED/);
    expect(JSON.parse(plugin.describe())).toEqual({ name: 't', functions: ['a'] });
  });
  it('parses scalars', () => {
    expect(parseDurationMs('10 s')).toBe(10_000);
    expect(parseDurationMs('1.5 m')).toBe(90_000);
    expect(parseDurationMs(250)).toBe(250);
    expect(parseSizeBytes('512 MiB')).toBe(512 * 1024 * 1024);
    expect(parseSizeBytes('2 GB')).toBe(2e9);
    expect(() => parseSizeBytes('lots')).toThrow(/KH-PLUGIN-PROPERTY|size/);
    // The store's JSON view of a typed TOSCA scalar.
    expect(parseSizeBytes({ $custom: 'tosca:scalar', value: { amount: 256, unit: 'MiB' } })).toBe(256 * 1024 * 1024);
    expect(parseDurationMs({ $custom: 'tosca:scalar', value: { amount: '2', unit: 's' } })).toBe(2000);
  });
});

describe('built-in spec builders (pure)', () => {
  it('processSpec keeps command, args and env for any valid input', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_./-]{1,12}$/);
    fc.assert(
      fc.property(word, fc.array(word, { maxLength: 4 }), fc.dictionary(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/), word, { maxKeys: 4 }), (command, args, env) => {
        const spec = processSpec(snapshot('d/p', { command, args, env }));
        expect(spec.command).toBe(command);
        expect(spec.args).toEqual(args);
        expect(spec.env ?? {}).toEqual(env);
      }),
      { numRuns: 100 },
    );
  });
  it('refuses a bad checksum, a non-list port set, and a bad restart policy', () => {
    expect(() => processSpec(snapshot('d/p', { command: 'x', artifacts: [{ source: 'a', checksum: 'md5:1' }] }))).toThrow(/checksum/);
    expect(() => processSpec(snapshot('d/p', { command: 'x', ports: 8080 }))).toThrow(/ports/);
    expect(() => processSpec(snapshot('d/p', { command: 'x', restart: 'sometimes' }))).toThrow(/restart/);
  });
  it('containerSpec needs an image', () => {
    expect(() => containerSpec(snapshot('d/c', {}))).toThrow(/image/);
    expect(containerSpec(snapshot('d/c', { image: 'x', pull: false, image_tar: '/i.tar' }))).toEqual({ kind: 'container', image: 'x', imageSource: { pull: false, loadTar: '/i.tar' } });
  });
});
