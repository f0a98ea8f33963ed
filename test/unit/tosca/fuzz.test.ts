import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { create as createTar } from 'tar';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../../tosca/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kh-tosca-fuzz-'));
let n = 0;
async function check(text: string): Promise<void> {
  const f = `f${n++}.yaml`;
  writeFileSync(path.join(dir, f), text);
  const r = await validateFile(f, { cwd: dir });
  for (const p of r.problems) {
    expect(p.line).toBeGreaterThanOrEqual(0);
    expect(p.column).toBeGreaterThanOrEqual(0);
    expect(p.code).toMatch(/^TOSCA-[A-Z-]+$/);
    expect(p.message.length).toBeGreaterThan(0);
  }
}

const HEADER = 'tosca_definitions_version: tosca_2_0\n';
const conf = path.resolve(__dirname, '../../../../shared/tosca/conformance');

describe('TOSCA reader/validator robustness', () => {
  it('never crashes on random text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), async (s) => check(s)), { numRuns: 60 });
  });

  it('never crashes on random YAML values under TOSCA keys', async () => {
    const key = fc.constantFrom('node_types', 'data_types', 'service_template', 'imports', 'capability_types', 'functions', 'profile', 'repositories');
    const yamlish = fc.jsonValue({ maxDepth: 4 });
    await fc.assert(
      fc.asyncProperty(key, yamlish, async (k, v) => check(`${HEADER}${k}: ${JSON.stringify(v)}\n`)),
      { numRuns: 80 },
    );
  });

  it.skipIf(!existsSync(conf))('never crashes on mutated conformance files', async () => {
    const files = ['scalar/s69.yaml', 'node-template/s48a.yaml', 'requirement-count/requirement-count-types.yaml', 'function-syntax/s93.yaml'];
    const texts = files.map((f) => readFileSync(path.join(conf, f), 'utf8'));
    await fc.assert(
      fc.asyncProperty(fc.nat(texts.length - 1), fc.nat(5000), fc.nat(40), fc.string({ maxLength: 8 }), async (i, at, del, ins) => {
        const t = texts[i]!;
        const p = at % (t.length + 1);
        await check(t.slice(0, p) + ins + t.slice(p + del));
      }),
      { numRuns: 80 },
    );
  });

  it('handles deep nesting and huge scalars with a problem, not a crash', async () => {
    await check(`${HEADER}metadata: ${'['.repeat(3000)}${']'.repeat(3000)}\n`);
    await check(`${HEADER}description: "${'x'.repeat(2_000_000)}"\n`);
  });

  it('reports import cycles, self-derivation and missing files with positions', async () => {
    writeFileSync(path.join(dir, 'a.yaml'), `${HEADER}imports: [b.yaml]\nnode_types:\n  A: { derived_from: B }\n`);
    writeFileSync(path.join(dir, 'b.yaml'), `${HEADER}imports: [a.yaml]\nnode_types:\n  B: { derived_from: A }\n  C: { derived_from: C }\n`);
    const r = await validateFile('a.yaml', { cwd: dir });
    expect(r.valid).toBe(false);
    expect(r.problems.some((p) => p.code === 'TOSCA-TYPE-CYCLE')).toBe(true);
    writeFileSync(path.join(dir, 'm.yaml'), `${HEADER}imports: [nowhere.yaml]\n`);
    const m = await validateFile('m.yaml', { cwd: dir });
    expect(m.problems[0]).toMatchObject({ code: 'TOSCA-IMPORT-MISSING', file: 'm.yaml', line: 2 });
  });
  it('never crashes on random bytes named as CSAR archives', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('zip', 'csar', 'tar', 'tar.gz'), async (bytes, ext) => {
        const f = `r${n++}.${ext}`;
        // Half the cases start with a real magic number so the archive readers go deeper.
        const magic = ext === 'zip' || ext === 'csar' ? [0x50, 0x4b, 3, 4] : ext === 'tar.gz' ? [0x1f, 0x8b] : [];
        writeFileSync(path.join(dir, f), Buffer.from([...(bytes.length % 2 ? magic : []), ...bytes]));
        const r = await validateFile(f, { cwd: dir });
        expect(r.valid).toBe(false);
        expect(r.problems[0]?.code).toMatch(/^TOSCA-(CSAR|IO-READ|LIMIT|CONFINED)$/);
      }),
      { numRuns: 60 },
    );
  });

  it('never crashes, hangs or grows on mutated real archives (zip and tar.gz)', async () => {
    const main = Buffer.from(`${HEADER}imports: [types/t.yaml]\nservice_template:\n  node_templates:\n    n: { type: T }\n`);
    const types = Buffer.from(`${HEADER}node_types:\n  T: {}\n`);
    const meta = Buffer.from('TOSCA-Meta-File-Version: 1.1\nCSAR-Version: 2.0\nEntry-Definitions: main.yaml\n');
    const zip = Buffer.from(zipSync({ 'TOSCA-Metadata/TOSCA.meta': meta, 'main.yaml': main, 'types/t.yaml': types }));
    const tgz = await tarGz({ 'TOSCA-Metadata/TOSCA.meta': meta, 'main.yaml': main, 'types/t.yaml': types });
    const mutation = fc.record({
      which: fc.constantFrom('zip', 'tar.gz'),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      // Declared sizes inflated to huge values (a directory that lies) at a random record.
      huge: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const b = Buffer.from(m.which === 'zip' ? zip : tgz);
        for (const [at, v] of m.edits) b[at % b.length] = v;
        if (m.huge && m.which === 'zip') for (let i = 0; i + 28 <= b.length; i++) if (b.readUInt32LE(i) === 0x02014b50) b.writeUInt32LE(0x7ffffff0, i + 24);
        const bytes = m.cut !== undefined ? b.subarray(0, m.cut % (b.length + 1)) : b;
        const f = `m${n++}.${m.which}`;
        writeFileSync(path.join(dir, f), bytes);
        const t0 = Date.now();
        const r = await validateFile(f, { cwd: dir });
        expect(Date.now() - t0).toBeLessThan(3_000);
        for (const p of r.problems) expect(p.code).toMatch(/^TOSCA-[A-Z-]+$/);
        if (m.edits.length === 0 && m.cut === undefined && !m.huge) expect(r.problems).toEqual([]);
      }),
      { numRuns: 120 },
    );
    expect(process.memoryUsage().rss).toBeLessThan(1024 * 1024 * 1024);
  });
});

/** A tar.gz made with the tar package (the reader under test is ours, the writer is not). */
async function tarGz(files: Record<string, Buffer>): Promise<Buffer> {
  const src = mkdtempSync(path.join(tmpdir(), 'kh-tosca-tgz-'));
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(src, name)), { recursive: true });
    writeFileSync(path.join(src, name), data);
  }
  const out = path.join(src, 'out.tgz');
  await createTar({ gzip: true, file: out, cwd: src, portable: true }, Object.keys(files));
  return readFileSync(out);
}
