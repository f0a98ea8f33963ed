/**
 * Script operations in the compiler: an operation implemented by a script artifact becomes a
 * `khutulun.script:run` handler plus the `khutulun:scripts` property carrying the files (base64,
 * sha256), inputs and outputs mapping; what cannot run is a positioned, coded problem (missing or
 * escaping or oversized file, an unknown kind of script), never a silent drop. And the plugin's
 * pure half: the operation read back into a ScriptSpec from a vertex snapshot.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toJson } from '../../../store/index.js';
import { buildCatalog } from '../../../tosca/index.js';
import { compileFile } from '../../../tosca/compile/index.js';
import type { CompiledNode } from '../../../tosca/compile/index.js';
import { interpreterOf } from '../../../tosca/compile/script-operations.js';
import { SCRIPT_LIMITS } from '../../../tosca/compile/script-contents.js';
import { envName, scriptSpec } from '../../../plugins/builtin/script/index.js';
import type { VertexSnapshot } from '../../../plugins/host/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function compileTree(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-script-compile-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  const catalog = await buildCatalog([], process.cwd());
  return compileFile(path.join(dir, 'service.yaml'), { catalog });
}

const scriptsOf = (n: CompiledNode | undefined): unknown => {
  const p = n?.properties.find((x) => x.name === 'khutulun:scripts');
  const e = p?.value ?? p?.updater;
  return e === undefined ? undefined : toJson(e);
};

const V2 = (impl: string, extra = ''): string => `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    web:
      type: Process
      properties:
        command: /bin/true
      interfaces:
        Standard:
          operations:
            create:
              implementation: ${impl}
              inputs:
                cmd: { $get_property: [ SELF, command ] }
${extra}`;

describe('script operations (compiler)', () => {
  it('compiles a script implementation into a handler and a property with the hashed files', async () => {
    const r = await compileTree({ 'service.yaml': V2('scripts/install.sh'), 'scripts/install.sh': 'echo hi\n' });
    expect(r.problems).toEqual([]);
    const web = r.service!.nodes.find((n) => n.name === 'web');
    // The template's script replaces the type's plugin function for create; the others stay.
    expect(web?.handlers['Standard.create']).toEqual([{ fn: 'khutulun.script:run', args: [] }]);
    expect(web?.handlers['Standard.start']?.[0]?.fn).toBe('khutulun.process:start');
    const p = web?.properties.find((x) => x.name === 'khutulun:scripts');
    expect(p?.updater).toBeDefined(); // the input holds a call: computed at instantiation
    expect(scriptsOf(web)).toMatchObject({
      'Standard.create': {
        interpreter: 'sh',
        primary: 'scripts/install.sh',
        files: [{ path: 'scripts/install.sh', content: Buffer.from('echo hi\n').toString('base64'), sha256: `sha256:${createHash('sha256').update('echo hi\n').digest('hex')}` }],
        timeout_ms: 300_000,
        inputs: { cmd: { $call: 'tosca:get_property' } },
      },
    });
    expect(web && 'scripts' in web).toBe(false);
  });

  it('reports what cannot run, with position and code', async () => {
    const missing = await compileTree({ 'service.yaml': V2('scripts/absent.sh') });
    expect(missing.ok).toBe(false);
    expect(missing.problems).toEqual([expect.objectContaining({ code: 'TOSCA-SCRIPT-FILE', line: 14, message: expect.stringContaining('does not exist') })]);
    expect(missing.problems[0]!.file).toMatch(/service\.yaml$/);

    const escaping = await compileTree({ 'service.yaml': V2('../../etc/passwd.sh') });
    expect(escaping.problems).toEqual([expect.objectContaining({ code: 'TOSCA-SCRIPT-FILE', message: expect.stringContaining('outside') })]);

    const big = await compileTree({ 'service.yaml': V2('big.sh'), 'big.sh': 'x'.repeat(SCRIPT_LIMITS.maxFileBytes + 1) });
    expect(big.problems).toEqual([expect.objectContaining({ code: 'TOSCA-SCRIPT-FILE', message: expect.stringContaining('over the limit') })]);

    const binary = await compileTree({ 'service.yaml': V2('tools/setup.exe'), 'tools/setup.exe': 'MZ' });
    expect(binary.problems).toEqual([expect.objectContaining({ code: 'TOSCA-SCRIPT-UNSUPPORTED', message: expect.stringContaining('cannot run') })]);
  });

  it('compiles 1.x relationship scripts onto the relationship, with dependencies and timeout', async () => {
    const r = await compileTree({
      'service.yaml': `tosca_definitions_version: tosca_simple_yaml_1_3
topology_template:
  node_templates:
    db:
      type: tosca.nodes.DBMS
      requirements:
        - host: server
    server:
      type: tosca.nodes.Compute
    app:
      type: tosca.nodes.SoftwareComponent
      requirements:
        - host: server
        - dependency:
            node: db
            relationship:
              type: tosca.relationships.DependsOn
              interfaces:
                Configure:
                  pre_configure_source:
                    implementation: { primary: rel/pre.py, dependencies: [ rel/helper.py ], timeout: 5 }
`,
      'rel/pre.py': 'import helper\n',
      'rel/helper.py': 'X = 1\n',
    });
    expect(r.problems).toEqual([]);
    const app = r.service!.nodes.find((n) => n.name === 'app')!;
    const dep = app.requirements.find((q) => q.name === 'dependency')!;
    expect(dep.handlers['Configure.pre_configure_source']).toEqual([{ fn: 'khutulun.script:run', args: [] }]);
    const p = dep.properties.find((x) => x.name === 'khutulun:scripts');
    expect(toJson(p!.value!)).toMatchObject({ 'Configure.pre_configure_source': { interpreter: 'python3', timeout_ms: 5000, files: [{ path: 'rel/pre.py' }, { path: 'rel/helper.py' }] } });
  });

  it('picks the interpreter by artifact type, then by extension', () => {
    expect(interpreterOf('x.sh', undefined)).toBe('sh');
    expect(interpreterOf('x', 'tosca.artifacts.Implementation.Bash')).toBe('bash');
    expect(interpreterOf('x.txt', 'Python')).toBe('python3');
    expect(interpreterOf('site.yml', undefined)).toBe('ansible-playbook');
    expect(interpreterOf('setup.exe', undefined)).toBeUndefined();
  });
});

describe('script operations (the khutulun.script plugin, pure half)', () => {
  const file = { path: 'a.sh', content: 'dHJ1ZQo=', sha256: 'sha256:x' };
  const vertex = (ops: unknown, extra: Partial<VertexSnapshot> = {}): VertexSnapshot => ({
    id: 'nodes/app',
    deployment: 'd',
    classes: [],
    properties: { 'khutulun:scripts': ops as never, 'khutulun:output:Standard.create:token': 'tok' },
    edges: [],
    ...extra,
  });

  it('turns inputs into environment variables and resolves get_operation_output when it runs', () => {
    const spec = scriptSpec('Standard.configure', vertex({ 'Standard.configure': { interpreter: 'sh', primary: 'a.sh', files: [file], timeout_ms: 1000, inputs: { 'wp-db-port': 3306, TOKEN: { 'khutulun:operation-output': ['SELF', 'Standard', 'create', 'token'] }, list: [1, 'a'] }, outputs: { o: 'attr' } } }), undefined);
    expect(spec).toMatchObject({ kind: 'script', operation: 'Standard.configure', env: { wp_db_port: '3306', TOKEN: 'tok', list: '[1,"a"]' }, timeoutMs: 1000, outputs: { o: 'attr' } });
    expect(spec.inside).toBeUndefined();
    expect(envName('9lives')).toBe('_9lives');
  });

  it('runs inside the container its node is HostedOn, and fails coded on a missing output', () => {
    const hosted = vertex(
      { 'Standard.create': { interpreter: 'sh', primary: 'a.sh', files: [file], inputs: { T: { 'khutulun:operation-output': ['SELF', 'Standard', 'start', 'nope'] } } } },
      { edges: [{ id: 'e', name: 'host', direction: 'out', classes: ['tosca.relationships.HostedOn'], properties: {}, peer: { id: 'nodes/box', classes: [], properties: { runtime: 'podman', workload_id: 'd/nodes/box' } } }] },
    );
    expect(() => scriptSpec('Standard.create', hosted, undefined)).toThrow(/has not produced output nope/);
    const ok = vertex({ 'Standard.create': { interpreter: 'sh', primary: 'a.sh', files: [file] } }, { edges: hosted.edges });
    expect(scriptSpec('Standard.create', ok, undefined).inside).toEqual({ runtime: 'podman', workload: 'd/nodes/box' });
    expect(() => scriptSpec('Standard.stop', ok, undefined)).toThrow(/no script operation/);
  });
});
