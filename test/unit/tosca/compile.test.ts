import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { call, decodeExpression, evaluate, openStore, toJson } from '../../../store/index.js';
import type { Store } from '../../../store/index.js';
import { buildCatalog } from '../../../tosca/index.js';
import { compileFile, instantiateService, matchRequirements, readOutputs } from '../../../tosca/compile/index.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'compile');
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function compile(file: string, inputs?: Record<string, string>) {
  const catalog = await buildCatalog([], process.cwd());
  return compileFile(join(fixtures, file), { catalog, ...(inputs && { inputs }) });
}

describe('requirement matching', () => {
  it('finds the assignment a greedy pass misses (capacity forces backtracking)', () => {
    const cand = [
      { target: 'big', capability: 'cpu' },
      { target: 'small', capability: 'cpu' },
    ];
    const caps = new Map([
      ['big|cpu|cores', 3],
      ['small|cpu|cores', 2],
    ]);
    const r = matchRequirements(
      [
        { key: 'a', optional: false, candidates: cand, allocation: { cores: 2 } },
        { key: 'b', optional: false, candidates: cand, allocation: { cores: 3 } },
      ],
      caps,
    );
    expect(r.unfulfilled).toEqual([]);
    expect(r.chosen.get('a')?.target).toBe('small');
    expect(r.chosen.get('b')?.target).toBe('big');
  });

  it('reports what cannot fit, and leaves optional slots empty', () => {
    const cand = [{ target: 't', capability: 'c' }];
    const r = matchRequirements(
      [
        { key: 'x', optional: false, candidates: cand, allocation: { n: 2 } },
        { key: 'y', optional: false, candidates: cand, allocation: { n: 2 } },
        { key: 'z', optional: true, candidates: [] },
      ],
      new Map([['t|c|n', 3]]),
    );
    expect(r.unfulfilled.map((u) => u.key)).toEqual(['y']);
    expect(r.chosen.has('z')).toBe(false);
  });
});

describe('compile + instantiate', () => {
  it('compiles the Khutulun profile types into classes, handlers and typed properties', async () => {
    const r = await compile('two-tier.yaml', { replicas: '3' });
    expect(r.problems).toEqual([]);
    const web = r.service!.nodes.find((n) => n.name === 'web')!;
    expect(web.classes).toEqual(['Process', 'Service', 'Root']);
    expect(web.handlers['Standard.start']).toEqual([{ fn: 'khutulun.process:start', args: [{ $: 'map', entries: [] }] }]);
    expect(web.requirements.map((q) => [q.name, q.nodeTemplate])).toEqual([['connection', 'db']]);
  });

  it('honours `relationship: NAME` in a requirement: a relationship type, or a relationship template', async () => {
    const r = await compile('relationship-refined.yaml');
    expect(r.problems).toEqual([]);
    const req = (node: string) => r.service!.nodes.find((n) => n.name === node)!.requirements[0]!;
    expect(req('by-type').relationshipType).toBe('Announced');
    expect(Object.keys(req('by-type').handlers)).toEqual(['Configure.add_source']);
    expect(req('by-type').properties.find((p) => p.name === 'channel')?.value).toBe('general');
    expect(req('by-template').relationshipType).toBe('Announced');
    expect(Object.keys(req('by-template').handlers).sort()).toEqual(['Configure.add_source', 'Configure.remove_source']);
    expect(req('by-template').properties.find((p) => p.name === 'channel')?.value).toBe('alerts');
    expect(req('plain').relationshipType).toBe('DependsOn');
    expect(req('plain').handlers).toEqual({});
  });

  it('instantiates counts, edges on both ends, computed properties and outputs', async () => {
    const r = await compile('two-tier.yaml', { replicas: '3' });
    store = await openStore({ hostId: 'h1' });
    const d = await store.createDeployment('t');
    const inst = await instantiateService(d, r.service!);
    expect(inst.problems).toEqual([]);
    expect(inst.nodes).toEqual(['nodes/db', 'nodes/web', 'nodes/web-1', 'nodes/web-2']);
    const db = d.require('vertex', 'nodes/db');
    expect(db.incoming).toHaveLength(3);
    expect(toJson(db.properties['ports']!.value!)).toEqual([{ name: 'pg', protocol: 'tcp', port: 5432 }]);
    expect(d.require('vertex', 'nodes/web-1').properties['args']!.value).toEqual(['10']);
    expect(d.require('vertex', 'nodes/web-1').metadata['tosca:index']).toBe(1n);
    expect((await readOutputs(d)).outputs).toEqual({ db_command: '/bin/sleep', web_count: 2 });
    await expect(instantiateService(d, r.service!)).rejects.toMatchObject({ code: 'KH-TOSCA-ALREADY-INSTANTIATED' });
  });

  it('leaves the host requirement (AgentHost) to placement: its node_filter goes on the vertex, no edge', async () => {
    const r = await compile('host-filter.yaml');
    expect(r.problems).toEqual([]);
    expect(r.service!.nodes.find((n) => n.name === 'web')!.requirements[0]).toMatchObject({ name: 'host', placement: true });
    store = await openStore({ hostId: 'h1' });
    const d = await store.createDeployment('hf');
    const inst = await instantiateService(d, r.service!);
    expect(inst.problems).toEqual([]);
    expect(inst.relationships).toEqual([]);
    const filter = d.require('vertex', 'nodes/web').metadata['khutulun:host-filter'];
    expect(decodeExpression(filter as string)).toMatchObject({ $: 'call', fn: 'tosca:equal' });
    expect(d.require('vertex', 'nodes/worker').metadata['khutulun:host-filter']).toBeUndefined();
  });

  it('rejects a bad input value with a positioned problem', async () => {
    const r = await compile('two-tier.yaml', { replicas: 'three' });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ file: '--input replicas' });
    const unknown = await compile('two-tier.yaml', { nope: '1' });
    expect(unknown.problems.map((p) => p.code)).toContain('TOSCA-INPUT-UNKNOWN');
  });

  it('fulfils requirements globally under capability allocation and evaluates paths through them', async () => {
    const r = await compile('allocation.yaml');
    expect(r.problems).toEqual([]);
    store = await openStore({ hostId: 'h1' });
    const d = await store.createDeployment('alloc');
    const inst = await instantiateService(d, r.service!);
    expect(inst.problems).toEqual([]);
    const target = (n: string) => d.require('edge', d.require('vertex', n).outgoing[0]!).target;
    expect(target('nodes/a')).toBe('nodes/small');
    expect(target('nodes/b')).toBe('nodes/big');
    expect(d.require('vertex', 'nodes/b').properties['label']!.value).toBe('3');
  });

  it('keeps graph queries of two deployments in one store apart', async () => {
    store = await openStore({ hostId: 'h1' });
    const a = await store.createDeployment('a');
    const b = await store.createDeployment('b');
    await instantiateService(a, (await compile('two-tier.yaml', { replicas: '1', db_port: '1111' })).service!);
    await instantiateService(b, (await compile('two-tier.yaml', { replicas: '1', db_port: '2222' })).service!);
    const port = async (d: typeof a) => toJson(d.require('vertex', 'nodes/db').properties['ports']!.value!);
    expect(await port(a)).toEqual([{ name: 'pg', protocol: 'tcp', port: 1111 }]);
    expect(await port(b)).toEqual([{ name: 'pg', protocol: 'tcp', port: 2222 }]);
    // Evaluated after both exist: each call site reads its own deployment's inputs.
    const input = async (d: typeof a) => (await evaluate(call('tosca:get_input', ['db_port']), d.functions, { deployment: d.name })).value;
    expect(await input(a)).toBe(1111n);
    expect(await input(b)).toBe(2222n);
  });
});
