import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../../tosca/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-tosca-sem-'));
let n = 0;
async function codes(body: string): Promise<string[]> {
  const f = `t${n++}.yaml`;
  writeFileSync(path.join(dir, f), `tosca_definitions_version: tosca_2_0\n${body}`);
  const r = await validateFile(f, { cwd: dir });
  return r.problems.map((p) => p.code);
}

const NODE = (props: string, value: string) => `
data_types:
  Port:
    derived_from: integer
    validation: { $and: [ { $greater_or_equal: [ $value, 1 ] }, { $less_or_equal: [ $value, 65535 ] } ] }
  Size:
    derived_from: scalar
    data_type: integer
    units: { B: 1, kB: 1000, MB: 1000000 }
    canonical_unit: B
node_types:
  N:
    properties:
${props}
service_template:
  node_templates:
    n:
      type: N
      properties:
${value}
`;

describe('TOSCA semantics', () => {
  it('accepts a well-typed template', async () => {
    expect(await codes(NODE('      p: { type: Port }\n      s: { type: Size }', '        p: 8080\n        s: 10 kB'))).toEqual([]);
  });

  it('has no implicit conversions', async () => {
    expect(await codes(NODE('      p: { type: integer }', '        p: 1.0'))).toEqual(['TOSCA-VALUE-TYPE']);
    expect(await codes(NODE('      p: { type: string }', '        p: 1'))).toEqual(['TOSCA-VALUE-TYPE']);
    expect(await codes(NODE('      p: { type: boolean }', '        p: True'))).toEqual(['TOSCA-VALUE-TYPE']);
    expect(await codes(NODE('      p: { type: timestamp }', '        p: "2001-12-14 21:59:43.10"'))).toEqual(['TOSCA-VALUE-TYPE']);
  });

  it('evaluates validation clauses on literal values, with scalar units', async () => {
    expect(await codes(NODE('      p: { type: Port }', '        p: 70000'))).toEqual(['TOSCA-VALUE-INVALID']);
    const lt = '      s: { type: Size, validation: { $less_than: [ $value, 1 MB ] } }';
    expect(await codes(NODE(lt, '        s: 999 kB'))).toEqual([]);
    expect(await codes(NODE(lt, '        s: 2 MB'))).toEqual(['TOSCA-VALUE-INVALID']);
    expect(await codes(NODE('      s: { type: Size }', '        s: 1.5 kB'))).toEqual(['TOSCA-VALUE-TYPE']);
    expect(await codes(NODE('      s: { type: Size }', '        s: 3 GB'))).toEqual(['TOSCA-VALUE-TYPE']);
    expect(await codes(NODE('      p: { type: integer, validation: 5 }', '        p: 1'))).toEqual(['TOSCA-SHAPE']);
  });

  it('checks list and map schemas', async () => {
    expect(await codes(NODE('      l: { type: list, entry_schema: integer }', '        l: [1, two, 3]'))).toEqual(['TOSCA-VALUE-TYPE']);
    expect(await codes(NODE('      m: { type: map, entry_schema: Port }', '        m: { a: 1, b: 0 }'))).toEqual(['TOSCA-VALUE-INVALID']);
  });

  it('reports required properties, undeclared ones and fixed values', async () => {
    expect(await codes(NODE('      p: { type: string }', '        {}'))).toEqual(['TOSCA-VALUE-REQUIRED']);
    expect(await codes(NODE('      p: { type: string, required: false }', '        q: x'))).toEqual(['TOSCA-NAME-UNDECLARED']);
    expect(await codes(NODE('      p: { type: string, value: fixed }', '        p: other'))).toEqual(['TOSCA-VALUE-INVALID']);
  });

  it('enforces derivation rules', async () => {
    expect(await codes('node_types:\n  A: { derived_from: B }\n  B: { derived_from: A }\n')).toContain('TOSCA-TYPE-CYCLE');
    expect(await codes('capability_types:\n  C: {}\nnode_types:\n  A: { derived_from: C }\n')).toEqual(['TOSCA-TYPE-KIND']);
    expect(await codes('data_types:\n  S:\n    derived_from: string\n    properties:\n      x: { type: string }\n')).toEqual(['TOSCA-TYPE-KIND']);
    expect(
      await codes('node_types:\n  A:\n    properties:\n      p: { type: integer }\n  B:\n    derived_from: A\n    properties:\n      p: { type: string }\n'),
    ).toEqual(['TOSCA-TYPE-REFINEMENT']);
  });

  it('checks requirement count ranges and targets', async () => {
    const body = `capability_types:\n  Svc: {}\nrelationship_types:\n  Uses: {}\nnode_types:\n  S:\n    capabilities:\n      svc: Svc\n  C:\n    requirements:\n      - svc: { capability: Svc, relationship: Uses, count_range: [1, 2] }\nservice_template:\n  node_templates:\n    s1: { type: S }\n    c:\n      type: C\n      requirements:\n        - svc: s1\n        - svc: s1\n        - svc: s1\n        - other: s1\n        - svc: nowhere\n`;
    const c = await codes(body);
    expect(c).toContain('TOSCA-REQUIREMENT-COUNT');
    expect(c).toContain('TOSCA-NAME-UNDECLARED');
    expect(c).toContain('TOSCA-TEMPLATE-UNKNOWN');
  });

  it('checks that requirement targets offer the needed node type and capability', async () => {
    const body = (target: string) => `capability_types:
  Svc: {}
  Other: {}
relationship_types:
  Uses: {}
node_types:
  S:
    capabilities:
      svc: Svc
  T:
    capabilities:
      o: Other
  C:
    requirements:
      - svc: { capability: Svc, relationship: Uses }
service_template:
  node_templates:
    s: { type: S }
    t: { type: T }
    c:
      type: C
      requirements:
        - svc: ${target}
`;
    expect(await codes(body('s'))).toEqual([]);
    expect(await codes(body('t'))).toEqual(['TOSCA-REQUIREMENT-TARGET']);
    expect(await codes(body('{ node: s, capability: svc }'))).toEqual([]);
    expect(await codes(body('{ node: s, capability: nope }'))).toEqual(['TOSCA-REQUIREMENT-TARGET']);
  });

  it('checks interface operations, group members, policy targets and substitution mappings', async () => {
    const base = `capability_types:\n  Svc: {}\ninterface_types:\n  Life:\n    operations:\n      start: {}\nnode_types:\n  A:\n    capabilities:\n      svc: Svc\n    interfaces:\n      life: { type: Life }\n  B: {}\ngroup_types:\n  G: { members: [ A ] }\npolicy_types:\n  P: { targets: [ A ] }\n`;
    const st = (extra: string) => `${base}service_template:\n  node_templates:\n    a: { type: A }\n    b: { type: B }\n${extra}`;
    expect(await codes(st('  groups:\n    g: { type: G, members: [ a ] }\n  policies:\n    - p: { type: P, targets: [ a ] }\n'))).toEqual([]);
    expect(await codes(st('  groups:\n    g: { type: G, members: [ b ] }\n'))).toEqual(['TOSCA-TYPE-KIND']);
    expect(await codes(st('  policies:\n    - p: { type: P, targets: [ b ] }\n'))).toEqual(['TOSCA-TYPE-KIND']);
    const iface = (op: string) => `${base}service_template:\n  node_templates:\n    a:\n      type: A\n      interfaces:\n        life:\n          operations:\n            ${op}: run.sh\n`;
    expect(await codes(iface('start'))).toEqual([]);
    expect(await codes(iface('stop'))).toEqual(['TOSCA-NAME-UNDECLARED']);
    const sub = (m: string) => st(`  substitution_mappings:\n    node_type: A\n    capabilities:\n      ${m}\n`);
    expect(await codes(sub('svc: [ a, svc ]'))).toEqual([]);
    expect(await codes(sub('svc: [ a, nope ]'))).toEqual(['TOSCA-SUBSTITUTION']);
    expect(await codes(sub('other: [ ghost, svc ]'))).toEqual(['TOSCA-SUBSTITUTION', 'TOSCA-SUBSTITUTION']);
  });

  it('checks function syntax and built-in arity', async () => {
    expect(await codes(NODE('      p: { type: string }', '        p: { $concat: [a, b], x: 1 }'))).toContain('TOSCA-FUNCTION');
    expect(await codes(NODE('      p: { type: integer }', '        p: { $round: [1, 2] }'))).toEqual(['TOSCA-FUNCTION']);
    expect(await codes(NODE('      p: { type: string }', '        p: $$literal'))).toEqual([]);
    expect(await codes(`topology: 1\n`)).toEqual(['TOSCA-KEY-UNKNOWN']);
  });

  it('checks TOSCA paths and node_filter conditions', async () => {
    expect(await codes(NODE('      p: { type: string }', '        p: { $get_property: [ SELF, RELATIONSHIP, host, TARGET, name ] }'))).toEqual([]);
    expect(await codes(NODE('      p: { type: string }', '        p: { $get_property: [ ghost, name ] }'))).toEqual(['TOSCA-TEMPLATE-UNKNOWN']);
    expect(await codes(NODE('      p: { type: string }', '        p: { $get_property: [ TARGET, name ] }'))).toEqual(['TOSCA-FUNCTION']);
    expect(await codes(NODE('      p: { type: string }', '        p: { $get_property: name }'))).toEqual(['TOSCA-FUNCTION']);
    const filter = (f: string) => `node_types:
  N: {}
service_template:
  node_templates:
    n:
      type: N
      directives: [ select ]
      node_filter: ${f}
`;
    expect(await codes(filter('{ $equal: [ 1, 1 ] }'))).toEqual([]);
    expect(await codes(filter('{ properties: [] }'))).toEqual(['TOSCA-SHAPE']);
  });

  it('forbids a service template in a profile and checks scalar definitions', async () => {
    expect(await codes('profile: a.b\nservice_template:\n  node_templates: {}\n')).toContain('TOSCA-PROFILE-TEMPLATE');
    expect(await codes('data_types:\n  L:\n    derived_from: scalar\n    units: { m: 2 }\n')).toEqual(['TOSCA-SCALAR']);
    expect(await codes('data_types:\n  L:\n    derived_from: scalar\n    units: { m: 1, M: 1 }\n')).toEqual(['TOSCA-SCALAR']);
  });
});

describe('TOSCA 1.3 compatibility', () => {
  it('imports the 1.3 normative types implicitly and accepts 1.3 intrinsic functions and interfaces', async () => {
    const f = `c${n++}.yaml`;
    const body = `tosca_definitions_version: tosca_simple_yaml_1_3
node_types:
  My:
    derived_from: tosca:WebServer
topology_template:
  inputs:
    cpus: { type: integer }
  node_templates:
    server:
      type: tosca.nodes.Compute
      capabilities:
        host:
          properties: { num_cpus: { get_input: cpus }, mem_size: 4096 MB }
    web:
      type: My
      requirements: [ { host: server } ]
      interfaces:
        Standard:
          create: create.sh
`;
    writeFileSync(path.join(dir, f), body);
    expect((await validateFile(f, { cwd: dir })).problems).toEqual([]);
    writeFileSync(path.join(dir, f), body.replace('tosca.nodes.Compute', 'tosca.nodes.Nope'));
    expect((await validateFile(f, { cwd: dir })).problems.map((p) => p.code)).toContain('TOSCA-TYPE-UNKNOWN');
  });
});
