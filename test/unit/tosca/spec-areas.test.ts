/**
 * Spec areas of TOSCA 2.0 checked from the standard's text (issue 16, "Conformance"): the timestamp
 * grammar (9.1.2.1, RFC 3339), metadata value types (5.3.1), scalar types with a data_type
 * (9.1.2.2), the single-line property form in refinements (9.4), property definitions refining an
 * inherited capability, keyword values in any case.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFile } from '../../../tosca/index.js';
import { isTimestamp } from '../../../tosca/semantics/timestamp.js';

const dir = mkdtempSync(join(tmpdir(), 'kh-tosca-spec-'));
let n = 0;
async function codes(text: string): Promise<string[]> {
  const f = join(dir, `s${n++}.yaml`);
  writeFileSync(f, `tosca_definitions_version: tosca_2_0\n${text}`);
  return (await validateFile(f)).problems.map((p) => p.code);
}

describe('timestamp (9.1.2.1: RFC 3339)', () => {
  it.each([
    '2024-01-31T12:00:00Z',
    '2024-01-31', // full-date
    '2024-01-31t12:00:00.123456z',
    '2024-01-31T12:00:00+05:30',
    '2024-01-31T12:00:00-00:00', // unknown offset, read as UTC
    '2024-02-29T00:00:00Z', // leap year
    '2016-12-31T23:59:60Z', // leap second
    '2016-12-31T18:59:60-05:00', // the same leap second, local
  ])('accepts %s', (t) => expect(isTimestamp(t)).toBe(true));

  it.each([
    '2001-12-14 21:59:43.10 -5', // YAML's relaxed !!timestamp
    '2024-01-31T12:00:00', // date-time without offset
    '2023-02-29T00:00:00Z',
    '2024-04-31',
    '2024-01-31T24:00:00Z',
    '2024-01-31T12:60:00Z',
    '2024-01-31T12:00:60Z', // 60 only at 23:59 UTC
    '2024-01-31T12:00:00+24:00',
  ])('refuses %s', (t) => expect(isTimestamp(t)).toBe(false));

  it('checks timestamp properties with it', async () => {
    const tpl = (v: string): string => `node_types:\n  N:\n    properties:\n      t: { type: timestamp }\nservice_template:\n  node_templates:\n    n: { type: N, properties: { t: "${v}" } }\n`;
    expect(await codes(tpl('2016-12-31T23:59:60Z'))).toEqual([]);
    expect(await codes(tpl('2024-01-31'))).toEqual([]);
    expect(await codes(tpl('2024-02-30T00:00:00Z'))).toEqual(['TOSCA-VALUE-TYPE']);
  });
});

describe('metadata (5.3.1)', () => {
  it('accepts every core-schema type, null included', async () => {
    expect(await codes('metadata:\n  a: x\n  b: 1\n  c: 1.5\n  d: true\n  e:\n  f: [1, 2]\n  g: { x: 1 }\n')).toEqual([]);
  });
  it('refuses other YAML tags (!!timestamp, !!binary, !!set)', async () => {
    expect(await codes('metadata:\n  a: !!timestamp 2001-12-14\n')).toEqual(['TOSCA-SHAPE']);
    expect(await codes('metadata:\n  a: !!binary aGVsbG8=\n')).toEqual(['TOSCA-SHAPE']);
    expect(await codes('metadata:\n  a: !!set { x }\n')).toEqual(['TOSCA-SHAPE']);
  });
});

describe('scalar types with a data_type (9.1.2.2)', () => {
  const tpl = (v: string): string => `data_types:
  PosInt:
    derived_from: integer
    validation: { $greater_than: [ $value, 0 ] }
  Size:
    derived_from: scalar
    data_type: PosInt
    units: { B: 1, kB: 1000 }
node_types:
  N:
    properties:
      s: { type: Size }
service_template:
  node_templates:
    n: { type: N, properties: { s: ${v} } }
`;
  it('applies the data type\'s validation to the number', async () => {
    expect(await codes(tpl('4 kB'))).toEqual([]);
    expect(await codes(tpl('-4 kB'))).toEqual(['TOSCA-VALUE-INVALID']);
    expect(await codes(tpl('4.5 kB'))).toEqual(['TOSCA-VALUE-TYPE']);
  });
});

describe('property refinements', () => {
  const types = `capability_types:
  Cap:
    properties:
      port: { type: integer, required: false }
node_types:
  Base:
    properties:
      q: { type: integer, default: 1 }
    capabilities:
      c: { type: Cap }
`;
  it('the single-line form refines an inherited property (9.4)', async () => {
    expect(await codes(`${types}  Child:\n    derived_from: Base\n    properties:\n      q: 5\nservice_template:\n  node_templates:\n    n: { type: Child }\n`)).toEqual([]);
    expect(await codes(`${types}  Child:\n    derived_from: Base\n    properties:\n      q: five\n`)).toEqual(['TOSCA-VALUE-TYPE']);
    expect(await codes(`${types}  Child:\n    derived_from: Base\n    properties:\n      nosuch: 5\n`)).toEqual(['TOSCA-KEY-MISSING']);
  });
  it('a capability definition refines its type\'s properties, also when it refines an inherited capability', async () => {
    expect(await codes(`${types}  Child:\n    derived_from: Base\n    capabilities:\n      c:\n        properties:\n          port: 8080\n`)).toEqual([]);
    expect(await codes(`${types}  Child:\n    derived_from: Base\n    capabilities:\n      c:\n        type: Cap\n        properties:\n          port: eighty\n`)).toEqual(['TOSCA-VALUE-TYPE']);
    expect(await codes(`${types}  Child:\n    derived_from: Base\n    capabilities:\n      c:\n        properties:\n          nosuch: 1\n`)).toEqual(['TOSCA-NAME-UNDECLARED']);
  });
});

describe('keyword values', () => {
  it('status in any case', async () => {
    for (const s of ['supported', 'Deprecated', 'EXPERIMENTAL']) {
      expect(await codes(`node_types:\n  N:\n    properties:\n      p: { type: string, required: false, status: ${s} }\n`)).toEqual([]);
    }
    expect(await codes(`node_types:\n  N:\n    properties:\n      p: { type: string, required: false, status: retired }\n`)).toEqual(['TOSCA-VALUE-INVALID']);
  });
});

describe('short notations and occurrence ranges', () => {
  const fixtures = join(import.meta.dirname, 'fixtures');
  it('requirement assignments: `name: template`, node tuples [template, index], relationship by type or template (7.2.4)', async () => {
    expect((await validateFile(join(fixtures, 'requirement-short.yaml'))).problems).toEqual([]);
  });

  it('substitution requirement mappings keyed [name, count] with UNBOUNDED last (15.5)', async () => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(fixtures, 'subst-counts.yaml'), 'utf8');
    expect((await validateFile(join(fixtures, 'subst-counts.yaml'))).problems).toEqual([]);
    const body = (t: string): string => t.replace(/^tosca_definitions_version: tosca_2_0\n/, '');
    expect(await codes(body(text.replace('[ service, 2 ]: [ software2, service ]', '[ service, UNBOUNDED ]: [ software2, service ]')))).toEqual(['TOSCA-SUBSTITUTION']);
    expect(await codes(body(text.replace('[ service, 2 ]', '[ service, -1 ]')))).toEqual(['TOSCA-SHAPE']);
    expect(await codes(body(text.replace('[ service, 2 ]', '[ service, many ]')))).toEqual(['TOSCA-SHAPE']);
  });
});

describe('profiles declared twice (6.8.2.1)', () => {
  it('the declaration nearest the importing file wins; elsewhere the choice is refused, not guessed', async () => {
    const { mkdirSync } = await import('node:fs');
    const { buildCatalog } = await import('../../../tosca/index.js');
    const root = mkdtempSync(join(tmpdir(), 'kh-tosca-prof-'));
    for (const d of ['a', 'b']) {
      mkdirSync(join(root, d));
      writeFileSync(join(root, d, 'p.yaml'), `tosca_definitions_version: tosca_2_0\nprofile: ex.dup:1.0\nnode_types:\n  From${d.toUpperCase()}: {}\n`);
    }
    const use = (t: string): string => `tosca_definitions_version: tosca_2_0\nimports: [ { profile: ex.dup:1.0 } ]\nservice_template:\n  node_templates:\n    n: { type: ${t} }\n`;
    writeFileSync(join(root, 'a', 's.yaml'), use('FromA'));
    writeFileSync(join(root, 's.yaml'), use('FromA'));
    const catalog = await buildCatalog([root], root);
    expect((await validateFile(join(root, 'a', 's.yaml'), { catalog, root })).problems).toEqual([]);
    expect((await validateFile(join(root, 's.yaml'), { catalog, root })).problems.map((p) => p.code)).toContain('TOSCA-PROFILE-UNKNOWN');
  });
});
