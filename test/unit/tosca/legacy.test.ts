/**
 * TOSCA 1.x evaluated like 2.0 (issue 16): Simple Profile 1.0–1.3 version strings, units
 * case-insensitive (1.3, 3.3.6.3), intrinsic functions (1.3, 4.3–4.7) compiled to the same Floria
 * calls as 2.0 and evaluated at instantiation, unknown inputs reported.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, toJson, type Store } from '../../../store/index.js';
import { validateFile } from '../../../tosca/index.js';
import { compileFile, instantiateService, readOutputs } from '../../../tosca/compile/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kh-tosca-legacy-'));
let n = 0;
function file(text: string): string {
  const f = join(dir, `t${n++}.yaml`);
  writeFileSync(f, text);
  return f;
}

const TEMPLATE = (version: string): string => `tosca_definitions_version: ${version}
topology_template:
  inputs:
    cpus:
      type: integer
      default: 2
  node_templates:
    server:
      type: tosca.nodes.Compute
      capabilities:
        host:
          properties:
            num_cpus: { get_input: cpus }
            mem_size: 4 gib
            cpu_frequency: 2.5 ghz
    app:
      type: tosca.nodes.SoftwareComponent
      properties:
        component_version: { concat: [ "1.", { get_input: cpus } ] }
        admin_credential:
          user: $USER
          token: { token: [ "a.b.c", ".", 1 ] }
      requirements:
        - host: server
  outputs:
    version:
      value: { get_property: [ app, component_version ] }
    cpus:
      value: { get_property: [ server, host, num_cpus ] }
    host_cpus:
      value: { get_property: [ app, host, num_cpus ] }
    joined:
      value: { join: [ [ "x", "y" ], "-" ] }
`;

function walk(v: unknown, visit: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(v)) v.forEach((x) => walk(x, visit));
  else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    visit(v as Record<string, unknown>);
    for (const x of Object.values(v)) walk(x, visit);
  }
}

describe('TOSCA 1.x', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it.each(['tosca_simple_yaml_1_0', 'tosca_simple_yaml_1_1', 'tosca_simple_yaml_1_2', 'tosca_simple_yaml_1_3'])('accepts %s with the normative types implicit', async (v) => {
    const r = await validateFile(file(TEMPLATE(v)));
    expect(r.problems).toEqual([]);
  });

  it('units are case-insensitive in 1.x and case-sensitive in 2.0', async () => {
    const two = file(`tosca_definitions_version: tosca_2_0
imports: [ { profile: org.oasis-open.simple:2.0 } ]
data_types:
  Size:
    derived_from: scalar
    data_type: integer
    units: { B: 1, KiB: 1024, GiB: 1073741824 }
node_types:
  N:
    properties:
      size: { type: Size }
service_template:
  node_templates:
    n: { type: N, properties: { size: 4 gib } }
`);
    const r2 = await validateFile(two);
    expect(r2.problems.map((p) => p.code)).toContain('TOSCA-VALUE-TYPE');
    const c = await compileFile(file(TEMPLATE('tosca_simple_yaml_1_3')));
    const server = c.service!.nodes.find((x) => x.name === 'server')!;
    const mem = server.properties.find((p) => p.name === 'capability:host:mem_size')!;
    expect(toJson(mem.value!)).toMatchObject({ value: { unit: 'GiB', canonical: 4 * 1024 ** 3 } });
  });

  it('get_input of an undeclared input is a positioned problem, wherever it is used', async () => {
    const r = await validateFile(file(TEMPLATE('tosca_simple_yaml_1_2').replace('num_cpus: { get_input: cpus }', 'num_cpus: { get_input: nosuch }')));
    expect(r.problems).toMatchObject([{ code: 'TOSCA-NAME-UNDECLARED', line: 13, column: 25 }]);
  });

  it('compiles 1.x functions to the Floria calls of 2.0 (no literal {get_input: …} left) and keeps $ strings literal', async () => {
    const c = await compileFile(file(TEMPLATE('tosca_simple_yaml_1_3')));
    expect(c.problems).toEqual([]);
    const literalCalls: string[] = [];
    const fns: string[] = [];
    walk(c.service, (o) => {
      // A 1.x call left literal would be a one-entry map keyed by the function's name.
      if (o.$ === 'map' && (o.entries as unknown[]).length === 1) {
        for (const [k] of o.entries as [unknown, unknown][]) if (typeof k === 'string' && ['get_input', 'concat', 'get_property', 'token', 'join'].includes(k)) literalCalls.push(k);
      }
      if (o.$ === 'call') fns.push(String(o.fn));
    });
    expect(literalCalls).toEqual([]);
    expect(new Set(fns)).toEqual(new Set(['tosca:get_input', 'tosca:concat', 'tosca:get_property', 'tosca:token', 'tosca:join']));
    const app = c.service!.nodes.find((x) => x.name === 'app')!;
    const cred = toJson(app.properties.find((p) => p.name === 'admin_credential')!.updater!);
    expect(JSON.stringify(cred)).toContain('"$USER"');
  });

  it('evaluates 1.x functions at instantiation: properties and outputs', async () => {
    const c = await compileFile(file(TEMPLATE('tosca_simple_yaml_1_3')), { inputs: { cpus: '4' } });
    store = await openStore({ hostId: 'h1' });
    const d = await store.createDeployment('legacy');
    const inst = await instantiateService(d, c.service!);
    expect(inst.problems).toEqual([]);
    const app = d.require('vertex', 'nodes/app');
    expect(app.properties['component_version']!.value).toBe('1.4');
    expect((await readOutputs(d)).outputs).toEqual({ version: '1.4', cpus: 4, host_cpus: 4, joined: 'x-y' });
  });

  it('a normative type no runtime provides is a clear problem at instantiation, not a silent no-op', async () => {
    const c = await compileFile(file(`tosca_definitions_version: tosca_simple_yaml_1_3
topology_template:
  node_templates:
    server: { type: tosca.nodes.Compute }
    db:
      type: tosca.nodes.DBMS
      requirements: [ { host: server } ]
`));
    expect(c.problems).toEqual([]);
    store = await openStore({ hostId: 'h1' });
    const inst = await instantiateService(await store.createDeployment('nr'), c.service!);
    expect(inst.problems).toMatchObject([{ code: 'KH-TOSCA-NO-RUNTIME', node: 'db' }]);
  });

  it('a 1.3 template in the style of the Simple Profile examples validates and compiles (1.3 keynames, versions as floats, imports with file:)', async () => {
    const f = join(import.meta.dirname, 'fixtures', 'legacy', 'wordpress.yaml');
    expect((await validateFile(f)).problems).toEqual([]);
    const c = await compileFile(f);
    expect(c.problems).toEqual([]);
    expect(JSON.stringify(toJson(c.service!.outputs.find((o) => o.name === 'url')!.updater!))).toContain('tosca:get_attribute');
  });

  it('accepts the 1.0-1.2 named import forms (`- name: uri`, `- name: { file: uri }`)', async () => {
    const { readFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'mysql-types.yaml'), readFileSync(join(import.meta.dirname, 'fixtures', 'legacy', 'types.yaml')));
    for (const form of ['  - mytypes: mysql-types.yaml', '  - mytypes:\n      file: mysql-types.yaml']) {
      const f = file(`tosca_definitions_version: tosca_simple_yaml_1_0\nimports:\n${form}\ntopology_template:\n  node_templates:\n    db: { type: tosca.nodes.Database.MySQL, properties: { name: x } }\n`);
      expect((await validateFile(f)).problems).toEqual([]);
    }
    const two = file(`tosca_definitions_version: tosca_2_0\nimports:\n  - mytypes: types.yaml\n`);
    expect((await validateFile(two)).problems.map((p) => p.code)).toContain('TOSCA-KEY-UNKNOWN');
  });
});
