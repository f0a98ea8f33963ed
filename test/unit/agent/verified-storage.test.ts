/**
 * Damaged document chunks are quarantined, not fatal: chunkDamage catches every damage of the
 * corruption matrix in a real Automerge snapshot; an agent whose stored deployment chunk was
 * bit-flipped starts, reports KH-STATE-QUARANTINED naming the chunk, keeps the bytes in
 * quarantine/, and still serves the deployment from its other chunks.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as A from '@automerge/automerge';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../common/index.js';
import { chunkDamage } from '../../../agent/verified-storage.js';
import { eventually, harness, TOKEN } from './helpers.js';
import { testEngine } from './test-engine.js';

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

describe('chunk checks', () => {
  it('finds truncation, garbage and a flipped bit in a snapshot; a sound one passes', () => {
    let d = A.from<{ m: Record<string, string> }>({ m: {} });
    for (let k = 0; k < 200; k++) d = A.change(d, (x) => void (x.m[`k${k}`] = `v${k}`));
    const snap = A.save(d);
    expect(chunkDamage(snap)).toBeUndefined();
    expect(chunkDamage(snap.subarray(0, snap.length >> 1))).toMatch(/cut short/);
    expect(chunkDamage(new TextEncoder().encode('garbage'))).toMatch(/no chunk header/);
    for (const at of [20, snap.length >> 1, snap.length - 1]) {
      const bad = Uint8Array.from(snap);
      bad[at] = bad[at]! ^ 0x10;
      expect(chunkDamage(bad), `bit at ${at}`).toBeDefined();
    }
    expect(chunkDamage(new Uint8Array())).toBe('empty');
  });
});

describe('an agent with a damaged chunk', () => {
  const h = harness();
  afterEach(() => h.close());

  it('starts, quarantines the chunk with a coded report, and serves the deployment', async () => {
    const dir = h.tmp();
    let a = await h.start('alpha', { stateDir: dir, engine: testEngine({ stateDir: dir }).engine });
    const body = JSON.stringify({ name: 'web', source: 'tosca_definitions_version: tosca_2_0\nimports:\n  - profile: khutulun.org:core\nservice_template:\n  node_templates:\n    db: { type: Root }\n' });
    await fetch(`${a.url}/v1/deployments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
    await eventually(async () => ((await (await fetch(`${a.url}/v1/deployments/web`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { state: string }).state === 'deployed' || undefined, 20_000);
    await a.close();
    // A damaged incremental chunk beside a document's sound ones: a real chunk's bytes with one bit
    // flipped, stored under a key its content does not match. Added rather than overwritten:
    // automerge-repo may have compacted a document into one snapshot, and the document must stay
    // loadable from its other chunks.
    const chunks = files(join(dir, 'repo')).filter((f) => f.includes('/incremental/') || f.includes('/snapshot/'));
    expect(chunks.length).toBeGreaterThan(0);
    const source = chunks.sort((x, y) => statSync(y).mtimeMs - statSync(x).mtimeMs)[0]!;
    const bytes = readFileSync(source);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    // Named like a chunk key (a SHA-256), never the source's own name: the document's chunks stay intact.
    const victim = join(dirname(dirname(source)), 'incremental', createHash('sha256').update(bytes).update('x').digest('hex'));
    mkdirSync(dirname(victim), { recursive: true });
    writeFileSync(victim, bytes);

    const lines: string[] = [];
    const logger: Logger = { log: (level, message) => void lines.push(`${level} ${message}`) };
    a = await h.start('alpha', { stateDir: dir, engine: testEngine({ stateDir: dir }).engine, logger });
    const listed = await eventually(async () => {
      const r = await fetch(`${a.url}/v1/deployments`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const l = (await r.json()) as { name: string }[];
      return l.some((d) => d.name === 'web') ? l : undefined;
    }, 20_000, 'the deployment listed again');
    expect(listed.map((d) => d.name)).toContain('web');
    await eventually(async () => (lines.some((l) => l.startsWith('error KH-STATE-QUARANTINED')) ? true : undefined), 10_000, 'the quarantine report');
    expect(existsSync(victim)).toBe(false);
    const kept = readdirSync(join(dir, 'quarantine'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(dir, 'quarantine', kept[0]!))).toEqual(bytes);
  }, 60_000);
});
