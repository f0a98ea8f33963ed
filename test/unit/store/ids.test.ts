import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock, seededRandom, KhutulunError } from '../../../common/index.js';
import {
  entityKey,
  formatEntityId,
  generateName,
  parseDeploymentName,
  parseEntityId,
  parseEntityKey,
  parseHostId,
} from '../../../store/index.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KhutulunError);
    return (e as KhutulunError).code;
  }
  return undefined;
}

describe('entity ids', () => {
  it('parses and formats dir/name', () => {
    const id = parseEntityId('vertex', 'a/b/web');
    expect(id).toEqual({ kind: 'vertex', directory: ['a', 'b'], name: 'web' });
    expect(formatEntityId(id)).toBe('a/b/web');
    expect(entityKey(id)).toBe('vertex:a/b/web');
    expect(parseEntityKey('vertex:a/b/web')).toEqual(id);
  });

  it('round-trips any valid id', () => {
    const seg = fc.stringMatching(/^[A-Za-z0-9_:@+~-][A-Za-z0-9_.:@+~-]{0,10}$/);
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 4 }), seg, (dir, name) => {
        const text = [...dir, name].join('/');
        expect(formatEntityId(parseEntityId('edge', text))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });

  it.each(['', '/', 'a//b', 'a/', '/a', 'a b', 'a/../b', '..', 'x\n', 'a/.'])('rejects malformed id %j with KH-STORE-001', (text) => {
    expect(code(() => parseEntityId('vertex', text))).toBe('KH-STORE-001');
  });

  it('rejects unknown kinds with KH-STORE-002', () => {
    expect(code(() => parseEntityId('node', 'a'))).toBe('KH-STORE-002');
    expect(code(() => parseEntityKey('bogus:a'))).toBe('KH-STORE-002');
  });

  it('validates deployment names and host ids', () => {
    expect(parseDeploymentName('shop-1')).toBe('shop-1');
    expect(code(() => parseDeploymentName('../etc'))).toBe('KH-STORE-003');
    expect(code(() => parseDeploymentName(''))).toBe('KH-STORE-003');
    expect(code(() => parseHostId('host a'))).toBe('KH-STORE-004');
  });

  it('generates distinct, valid names without coordination', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const a = seededRandom(1);
    const b = seededRandom(2);
    const names = new Set<string>();
    for (let i = 0; i < 500; i++) {
      names.add(generateName('host-a', clock, a));
      names.add(generateName('host-b', clock, b));
    }
    expect(names.size).toBe(1000);
    for (const n of names) expect(() => parseEntityId('vertex', n)).not.toThrow();
  });
});
