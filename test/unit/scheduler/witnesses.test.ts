import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { missingWitnesses, parseHostId } from '../../../scheduler/index.js';
import type { HostId } from '../../../scheduler/index.js';

const ids = (...xs: string[]): HostId[] => xs.map(parseHostId);

describe('missingWitnesses (fenced mode: a majority must take part in a deployment)', () => {
  it('adds reachable members first, by id, until the participants are a strict majority', () => {
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('a', 'c'), ids('a'))).toEqual(ids('c'));
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('a', 'b', 'c'), ids('b'))).toEqual(ids('a'));
    expect(missingWitnesses(ids('a', 'b', 'c', 'd', 'e'), ids('e', 'd'), ids('a'))).toEqual(ids('d', 'e'));
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('a', 'b'), ids('a', 'b'))).toEqual([]);
    // Participants that left the membership do not count.
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('a', 'b', 'c'), ids('a', 'gone'))).toEqual(ids('b'));
  });

  it('always yields a strict majority, deterministically, adding only non-participants', () => {
    const host = fc.constantFrom(...'abcdefg').map((x) => parseHostId(x));
    fc.assert(
      fc.property(fc.uniqueArray(host, { minLength: 1 }), fc.array(host), fc.array(host), (members, reachable, participants) => {
        const add = missingWitnesses(members, reachable, participants);
        expect(add.every((h) => members.includes(h) && !participants.includes(h))).toBe(true);
        const taking = new Set([...participants.filter((p) => members.includes(p)), ...add]);
        expect(taking.size * 2).toBeGreaterThan(members.length);
        expect(missingWitnesses([...members].reverse(), [...reachable].reverse(), participants)).toEqual(add);
      }),
    );
  });
});
