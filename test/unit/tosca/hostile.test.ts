/**
 * Hostile input, tried as an attacker would (issue 13 item 4, issue 16 "hostile input bounded"):
 * each case ends in a coded problem with a position, within bounded time, and never quotes a file
 * the caller did not send.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../store/index.js';
import { validateFile } from '../../../tosca/index.js';
import { compileFile, instantiateService } from '../../../tosca/compile/index.js';
import type { Problem } from '../../../tosca/index.js';

const H = 'tosca_definitions_version: tosca_2_0\n';
const SECRET = 'KH_SECRET_TOKEN_4f9a';

function sandbox(): { dir: string; tpl: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kh-tosca-hostile-'));
  const tpl = join(dir, 'state', 'uploads', 'req1');
  mkdirSync(tpl, { recursive: true });
  // What an attacker wants: the agent's own record two folders up, and a file elsewhere.
  writeFileSync(join(dir, 'state', 'agent.json'), `{"token": "${SECRET}"}\n`);
  writeFileSync(join(dir, 'secret.yaml'), `${H}description: ${SECRET}\n`);
  return { dir, tpl };
}

function codes(problems: readonly Problem[]): string[] {
  return problems.map((p) => p.code);
}

function noEcho(problems: readonly Problem[]): void {
  for (const p of problems) {
    expect(p.message).not.toContain(SECRET);
    expect(p.message).not.toMatch(/root:x:0:0|SHELL=|PATH=/);
  }
}

describe('imports stay inside the template root', () => {
  it('refuses /etc/passwd, file:///proc/self/environ and ../../agent.json without echoing content', async () => {
    const { tpl } = sandbox();
    writeFileSync(join(tpl, 's.yaml'), `${H}imports:\n  - file:///etc/passwd\n  - file:///proc/self/environ\n  - ../../agent.json\n  - ../../../secret.yaml\n  - /etc/passwd\n`);
    const r = await validateFile('s.yaml', { cwd: tpl });
    expect(r.valid).toBe(false);
    const byLine = new Map(r.problems.map((p) => [p.line, p.code]));
    expect(byLine.get(3)).toBe('TOSCA-CONFINED');
    expect(byLine.get(4)).toBe('TOSCA-CONFINED');
    expect(byLine.get(5)).toBe('TOSCA-CONFINED');
    expect(byLine.get(6)).toBe('TOSCA-CONFINED');
    // `/`-rooted imports are relative to the template's root (6.5.1), so /etc/passwd is <root>/etc/passwd.
    expect(byLine.get(7)).toBe('TOSCA-IMPORT-MISSING');
    expect(r.problems.every((p) => p.file === 's.yaml')).toBe(true);
    noEcho(r.problems);
  });

  it('refuses a symbolic link inside the root that points outside it', async () => {
    const { dir, tpl } = sandbox();
    symlinkSync(join(dir, 'secret.yaml'), join(tpl, 'types.yaml'));
    writeFileSync(join(tpl, 's.yaml'), `${H}imports: [types.yaml]\n`);
    const r = await validateFile('s.yaml', { cwd: tpl });
    expect(codes(r.problems)).toEqual(['TOSCA-CONFINED']);
    noEcho(r.problems);
  });

  it('imports inside the root still work, and an operator may widen the root or allow files', async () => {
    const { dir, tpl } = sandbox();
    mkdirSync(join(tpl, 'types'));
    writeFileSync(join(tpl, 'types', 't.yaml'), `${H}node_types:\n  T: {}\n`);
    writeFileSync(join(tpl, 's.yaml'), `${H}imports: [types/t.yaml]\nservice_template:\n  node_templates:\n    n: { type: T }\n`);
    expect((await validateFile('s.yaml', { cwd: tpl })).problems).toEqual([]);
    writeFileSync(join(tpl, 'up.yaml'), `${H}imports: [../../../secret.yaml]\n`);
    expect((await validateFile('up.yaml', { cwd: tpl, root: dir })).problems).toEqual([]);
    writeFileSync(join(tpl, 'abs.yaml'), `${H}imports: ['file://${path.join(dir, 'secret.yaml')}']\n`);
    expect(codes((await validateFile('abs.yaml', { cwd: tpl })).problems)).toEqual(['TOSCA-CONFINED']);
    expect((await validateFile('abs.yaml', { cwd: tpl, allowFiles: true })).problems).toEqual([]);
  });

  it('a non-TOSCA file that is imported is not quoted in the problem', async () => {
    const { tpl } = sandbox();
    writeFileSync(join(tpl, 'notes.txt'), `${SECRET} and more words\n`);
    writeFileSync(join(tpl, 's.yaml'), `${H}imports: [notes.txt]\n`);
    const r = await validateFile('s.yaml', { cwd: tpl });
    expect(r.valid).toBe(false);
    noEcho(r.problems);
  });
});

describe('YAML and import limits', () => {
  it('an alias bomb is a problem, quickly', async () => {
    const { tpl } = sandbox();
    let y = `${H}metadata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n`;
    for (let i = 1; i < 12; i++) y += `  a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    writeFileSync(join(tpl, 'bomb.yaml'), y);
    const t0 = Date.now();
    const r = await validateFile('bomb.yaml', { cwd: tpl });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(codes(r.problems)).toContain('TOSCA-YAML-TOO-LARGE');
  });

  it('file size, string length and node count limits are coded problems with positions and hints', async () => {
    const { tpl } = sandbox();
    writeFileSync(join(tpl, 'big.yaml'), `${H}description: ${'x'.repeat(5000)}\n`);
    const big = await validateFile('big.yaml', { cwd: tpl, limits: { maxFileBytes: 1000 } });
    expect(big.problems).toMatchObject([{ code: 'TOSCA-LIMIT', file: 'big.yaml', line: 1, column: 1 }]);
    expect(big.problems[0]!.message).toContain('max-file-bytes');
    const long = await validateFile('big.yaml', { cwd: tpl, limits: { maxStringLength: 100 } });
    expect(long.problems).toMatchObject([{ code: 'TOSCA-LIMIT', line: 2, column: 14 }]);
    writeFileSync(join(tpl, 'many.yaml'), `${H}metadata:\n${Array.from({ length: 300 }, (_, i) => `  k${i}: v`).join('\n')}\n`);
    expect(codes((await validateFile('many.yaml', { cwd: tpl, limits: { maxYamlNodes: 100 } })).problems)).toEqual(['TOSCA-YAML-TOO-LARGE']);
    expect((await validateFile('many.yaml', { cwd: tpl })).problems).toEqual([]);
  });

  it('import chains deeper than the limit stop with a problem at the import', async () => {
    const { tpl } = sandbox();
    for (let i = 0; i < 10; i++) writeFileSync(join(tpl, `c${i}.yaml`), `${H}imports: [c${i + 1}.yaml]\n`);
    writeFileSync(join(tpl, 'c10.yaml'), H);
    expect((await validateFile('c0.yaml', { cwd: tpl })).problems).toEqual([]);
    const r = await validateFile('c0.yaml', { cwd: tpl, limits: { maxImportDepth: 5 } });
    expect(r.problems).toMatchObject([{ code: 'TOSCA-LIMIT', file: 'c5.yaml', line: 2 }]);
    const n = await validateFile('c0.yaml', { cwd: tpl, limits: { maxImportFiles: 3 } });
    expect(codes(n.problems)).toEqual(['TOSCA-LIMIT']);
  });
});

/** Patches the uncompressed size of every entry in a zip's central directory (and local headers). */
function patchDeclaredSize(zip: Uint8Array, size: number): Uint8Array {
  const b = Buffer.from(zip);
  for (let i = 0; i + 4 <= b.length; i++) {
    if (b.readUInt32LE(i) === 0x02014b50) b.writeUInt32LE(size, i + 24);
    if (b.readUInt32LE(i) === 0x04034b50) b.writeUInt32LE(size, i + 22);
  }
  return b;
}

/** A zip with one deflated entry (hand-made, so the name and sizes are whatever the test wants). */
function rawZip(name: string, content: Buffer, declared = content.length): Buffer {
  const data = deflateRawSync(content);
  const n = Buffer.from(name, 'utf8');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x800, 6);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(n.length, 26);
  const cd = Buffer.alloc(46);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt16LE(20, 4);
  cd.writeUInt16LE(20, 6);
  cd.writeUInt16LE(0x800, 8);
  cd.writeUInt16LE(8, 10);
  cd.writeUInt32LE(data.length, 20);
  cd.writeUInt32LE(declared, 24);
  cd.writeUInt16LE(n.length, 28);
  cd.writeUInt32LE(0, 42);
  const cdOffset = local.length + n.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(cd.length + n.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, data, cd, n, eocd]);
}

/** A one-entry ustar archive. */
function rawTar(name: string, content: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const c of h) sum += c;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([h, content, pad, Buffer.alloc(1024)]);
}

describe('archives', () => {
  const yaml = Buffer.from(`${H}node_types:\n  T: {}\n`);

  it('a plain CSAR still validates (zip, tar, tar.gz)', async () => {
    const { tpl } = sandbox();
    writeFileSync(join(tpl, 'ok.zip'), zipSync({ 'main.yaml': yaml }));
    writeFileSync(join(tpl, 'ok.tar'), rawTar('main.yaml', yaml));
    writeFileSync(join(tpl, 'ok.tar.gz'), gzipSync(rawTar('main.yaml', yaml)));
    for (const f of ['ok.zip', 'ok.tar', 'ok.tar.gz']) expect((await validateFile(f, { cwd: tpl })).problems, f).toEqual([]);
  });

  it('refuses entry names that leave the archive root', async () => {
    const { tpl } = sandbox();
    writeFileSync(join(tpl, 'evil.zip'), rawZip('../../../tmp/x.yaml', yaml));
    writeFileSync(join(tpl, 'evil.tar'), rawTar('../../../tmp/x.yaml', yaml));
    writeFileSync(join(tpl, 'abs.zip'), rawZip('/etc/x.yaml', yaml));
    for (const f of ['evil.zip', 'evil.tar', 'abs.zip']) {
      const r = await validateFile(f, { cwd: tpl });
      expect(r.problems, f).toMatchObject([{ code: 'TOSCA-CONFINED', file: f, line: 1, column: 1 }]);
      expect(r.ioError).toBe(false);
    }
  });

  it('refuses an Entry-Definitions path outside the archive', async () => {
    const { tpl } = sandbox();
    writeFileSync(join(tpl, 'meta.zip'), zipSync({ 'TOSCA-Metadata/TOSCA.meta': Buffer.from('TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: ../../secret.yaml\n'), 'main.yaml': yaml }));
    expect(codes((await validateFile('meta.zip', { cwd: tpl })).problems)).toEqual(['TOSCA-CONFINED']);
  });

  it('checks declared sizes from the central directory before inflating (a 400 MB declared entry)', async () => {
    const { tpl } = sandbox();
    writeFileSync(join(tpl, 'bomb.zip'), patchDeclaredSize(zipSync({ 'main.yaml': yaml }), 400 * 1024 * 1024));
    const t0 = Date.now();
    const r = await validateFile('bomb.zip', { cwd: tpl });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(r.problems).toMatchObject([{ code: 'TOSCA-LIMIT' }]);
    expect(r.problems[0]!.message).toContain('max-entry-bytes');
  });

  it('stops inflating an entry that inflates to more than it declares (a real bomb that lies)', async () => {
    const { tpl } = sandbox();
    // 64 MiB of zeros deflate to ~64 KiB; the directory claims 100 bytes.
    writeFileSync(join(tpl, 'liar.zip'), rawZip('main.yaml', Buffer.alloc(64 * 1024 * 1024), 100));
    const before = process.memoryUsage().rss;
    const r = await validateFile('liar.zip', { cwd: tpl });
    expect(r.problems).toMatchObject([{ code: 'TOSCA-CSAR' }]);
    expect(r.problems[0]!.message).toContain('more than the 100 bytes');
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('bounds the total inflated size of a tar.gz and of all zip entries', async () => {
    const { tpl } = sandbox();
    writeFileSync(join(tpl, 'big.tar.gz'), gzipSync(rawTar('main.yaml', Buffer.alloc(4 * 1024 * 1024))));
    expect(codes((await validateFile('big.tar.gz', { cwd: tpl, limits: { maxInflatedBytes: 1024 * 1024 } })).problems)).toEqual(['TOSCA-LIMIT']);
    const files: Record<string, Uint8Array> = { 'main.yaml': yaml };
    for (let i = 0; i < 8; i++) files[`blob${i}`] = new Uint8Array(256 * 1024);
    writeFileSync(join(tpl, 'many.zip'), zipSync(files));
    expect(codes((await validateFile('many.zip', { cwd: tpl, limits: { maxInflatedBytes: 1024 * 1024 } })).problems)).toEqual(['TOSCA-LIMIT']);
    expect(codes((await validateFile('many.zip', { cwd: tpl, limits: { maxArchiveEntries: 4 } })).problems)).toEqual(['TOSCA-LIMIT']);
    expect((await validateFile('many.zip', { cwd: tpl })).problems).toEqual([]);
  });
});

describe('instance counts', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const tpl = `${H}node_types:\n  N: {}\nservice_template:\n  inputs:\n    n: { type: integer, default: 1 }\n  node_templates:\n    lit:\n      type: N\n      count: 1000000000\n`;
  const fromInput = `${H}node_types:\n  N: {}\nservice_template:\n  inputs:\n    n: { type: integer }\n  node_templates:\n    many:\n      type: N\n      count: { $get_input: n }\n`;

  it('a literal count of 1e9 is a positioned problem at compile', async () => {
    const { tpl: dir } = sandbox();
    writeFileSync(join(dir, 'c.yaml'), tpl);
    const r = await compileFile(join(dir, 'c.yaml'));
    expect(r.ok).toBe(false);
    expect(r.problems).toMatchObject([{ code: 'TOSCA-LIMIT', line: 10, column: 14 }]);
  });

  it('a count of 1e9 from an input is refused before any vertex is made', async () => {
    const { tpl: dir } = sandbox();
    writeFileSync(join(dir, 'c.yaml'), fromInput);
    const r = await compileFile(join(dir, 'c.yaml'), { inputs: { n: '1000000000' } });
    expect(r.problems).toEqual([]);
    store = await openStore({ hostId: 'h1' });
    const d = await store.createDeployment('t');
    const t0 = Date.now();
    const inst = await instantiateService(d, r.service!);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(inst.problems).toMatchObject([{ code: 'KH-TOSCA-LIMIT', node: 'many' }]);
    expect(inst.nodes).toEqual([]);
    const small = await instantiateService(await store.createDeployment('u'), (await compileFile(join(dir, 'c.yaml'), { inputs: { n: '3' } })).service!, undefined, { maxInstances: 2 });
    expect(small.problems).toMatchObject([{ code: 'KH-TOSCA-LIMIT' }]);
  });
});
