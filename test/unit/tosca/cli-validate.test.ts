import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync, strToU8 } from 'fflate';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';

function run(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  return main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd, env: {} }).then((code) => ({ code, out, err }));
}

const VALID = `tosca_definitions_version: tosca_2_0
node_types:
  Server:
    properties:
      port: { type: integer }
service_template:
  node_templates:
    s: { type: Server, properties: { port: 80 } }
`;

describe('khutulun validate', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-tosca-'));
  writeFileSync(path.join(dir, 'ok.yaml'), VALID);
  writeFileSync(path.join(dir, 'bad.yaml'), VALID.replace('port: 80', 'port: 8.0').replace('type: Server,', 'type: Server,'));
  writeFileSync(path.join(dir, 'unknown.yaml'), VALID.replace('{ type: Server,', '{ type: Nope,'));

  it('exits 0 for a valid file and 1 with positioned problems for an invalid one', async () => {
    expect((await run(['validate', 'ok.yaml'], dir)).code).toBe(0);
    const bad = await run(['validate', 'bad.yaml'], dir);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^bad\.yaml:8:\d+: TOSCA-VALUE-TYPE: /m);
  });

  it('prints one JSON object per file, in order', async () => {
    const r = await run(['validate', '-o', 'json', 'ok.yaml', 'unknown.yaml'], dir);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as Array<{ file: string; valid: boolean; problems: Array<{ code: string; line: number }> }>;
    expect(json.map((j) => [j.file, j.valid])).toEqual([['ok.yaml', true], ['unknown.yaml', false]]);
    expect(json[1]!.problems[0]).toMatchObject({ code: 'TOSCA-TYPE-UNKNOWN', file: 'unknown.yaml', line: 8 });
  });

  it('exits 2 for a missing file and for usage errors', async () => {
    expect((await run(['validate', 'missing.yaml'], dir)).code).toBe(2);
    expect((await run(['validate'], dir)).code).toBe(2);
    expect((await run(['validate', '-o', 'xml', 'ok.yaml'], dir)).code).toBe(2);
  });

  it('resolves profiles by name from --profiles, namespaces and root-relative imports', async () => {
    const pdir = path.join(dir, 'profiles');
    mkdirSync(pdir, { recursive: true });
    writeFileSync(path.join(pdir, 'p.yaml'), 'tosca_definitions_version: tosca_2_0\nprofile: org.example:1.0\nnode_types:\n  Base:\n    properties:\n      size: { type: integer, default: 1 }\n');
    writeFileSync(path.join(pdir, 'broken.yaml'), 'profile: org.example:1.0\n  : [\n');
    mkdirSync(path.join(dir, 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'sub', 'types.yaml'), 'tosca_definitions_version: tosca_2_0\nimports:\n- profile: org.example:1.0\n  namespace: ex\nnode_types:\n  Mine:\n    derived_from: ex:Base\n');
    writeFileSync(path.join(dir, 'main.yaml'), 'tosca_definitions_version: tosca_2_0\nimports:\n- url: /sub/types.yaml\n  namespace: my\nservice_template:\n  node_templates:\n    a: { type: my:Mine, properties: { size: 3 } }\n    b: { type: my:ex:Base }\n');
    const r = await run(['validate', '--profiles', 'profiles', 'main.yaml'], dir);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
    const missing = await run(['validate', 'main.yaml'], dir);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('TOSCA-PROFILE-UNKNOWN');
  });

  it('reads a zipped CSAR through TOSCA-Metadata/TOSCA.meta', async () => {
    const zip = zipSync({
      'TOSCA-Metadata/TOSCA.meta': strToU8('CSAR-Version: 2.0\nCreated-By: test\nEntry-Definitions: defs/main.yaml\n'),
      'defs/main.yaml': strToU8(VALID),
    });
    writeFileSync(path.join(dir, 'app.csar'), zip);
    expect((await run(['validate', 'app.csar'], dir)).code).toBe(0);
    writeFileSync(path.join(dir, 'bad.zip'), zipSync({ 'a.yaml': strToU8(VALID), 'b.yaml': strToU8(VALID) }));
    const bad = await run(['validate', 'bad.zip'], dir);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('TOSCA-CSAR');
  });
  it('reads a tar.gz CSAR and a CSAR folder without TOSCA.meta', async () => {
    const src = path.join(dir, 'csar-src');
    mkdirSync(path.join(src, 'types'), { recursive: true });
    writeFileSync(path.join(src, 'main.yaml'), 'tosca_definitions_version: tosca_2_0\nimports: [ types/t.yaml ]\nservice_template:\n  node_templates:\n    s: { type: Server }\n');
    writeFileSync(path.join(src, 'types', 't.yaml'), 'tosca_definitions_version: tosca_2_0\nnode_types:\n  Server: {}\n');
    expect((await run(['validate', 'csar-src'], dir)).code).toBe(0);
    await tar.create({ gzip: true, file: path.join(dir, 'app.tar.gz'), cwd: src }, ['main.yaml', 'types/t.yaml']);
    expect((await run(['validate', 'app.tar.gz'], dir)).code).toBe(0);
  });
});

describe('khutulun validate: limits and confinement flags', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-tosca-flags-'));
  mkdirSync(path.join(dir, 'tpl'));
  writeFileSync(path.join(dir, 'types.yaml'), 'tosca_definitions_version: tosca_2_0\nnode_types:\n  Server: {}\n');
  writeFileSync(path.join(dir, 'tpl', 's.yaml'), 'tosca_definitions_version: tosca_2_0\nimports: [../types.yaml]\nservice_template:\n  node_templates:\n    s: { type: Server }\n');

  it('refuses an import that leaves the template folder, unless --root widens it', async () => {
    const r = await run(['validate', 'tpl/s.yaml'], dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^tpl\/s\.yaml:2:\d+: TOSCA-CONFINED: /m);
    expect((await run(['validate', '--root', '.', 'tpl/s.yaml'], dir)).code).toBe(0);
  });

  it('--limit NAME=N lowers a limit; an unknown name or a bad number is a usage error (exit 2)', async () => {
    const r = await run(['validate', '--root', '.', '--limit', 'max-file-bytes=40', 'tpl/s.yaml'], dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('TOSCA-LIMIT');
    expect((await run(['validate', '--limit', 'max-nothing=3', 'tpl/s.yaml'], dir)).code).toBe(2);
    expect((await run(['validate', '--limit', 'max-file-bytes=-1', 'tpl/s.yaml'], dir)).code).toBe(2);
  });
});
