import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { missingWitnesses, parseHostId } from '../../../scheduler/index.js';
import type { HostId } from '../../../scheduler/index.js';

const ids = (...xs: string[]): HostId[] => xs.map(parseHostId);

describe('missingWitnesses (fenced mode: a majority must take part in a deployment)', () => {
  it('adds reachable members, by id, until the reachable participants are a strict majority', () => {
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('a', 'c'), ids('a'))).toEqual(ids('c'));
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('a', 'b', 'c'), ids('b'))).toEqual(ids('a'));
    expect(missingWitnesses(ids('a', 'b', 'c', 'd', 'e'), ids('a', 'e', 'd'), ids('a'))).toEqual(ids('d', 'e'));
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('a', 'b'), ids('a', 'b'))).toEqual([]);
    // Participants that left the membership do not count.
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('a', 'b', 'c'), ids('a', 'gone'))).toEqual(ids('b'));
  });

  it('does not count a participant it cannot reach (cut off after it was chosen): adds a reachable one', () => {
    // b owns the deployment, a was its witness and is now cut off: c takes a's place.
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('b', 'c'), ids('a', 'b'))).toEqual(ids('c'));
    // On a minority side there is nobody to add.
    expect(missingWitnesses(ids('a', 'b', 'c'), ids('a'), ids('a'))).toEqual([]);
  });

  it('adds only reachable non-participants, deterministically, up to a live majority when possible', () => {
    const host = fc.constantFrom(...'abcdefg').map((x) => parseHostId(x));
    fc.assert(
      fc.property(fc.uniqueArray(host, { minLength: 1 }), fc.array(host), fc.array(host), (members, reachable, participants) => {
        const add = missingWitnesses(members, reachable, participants);
        expect(add.every((h) => members.includes(h) && reachable.includes(h) && !participants.includes(h))).toBe(true);
        const live = new Set([...participants, ...add].filter((p) => members.includes(p) && reachable.includes(p)));
        const reachableMembers = new Set(members.filter((m) => reachable.includes(m)));
        expect(live.size * 2 > members.length || live.size === reachableMembers.size).toBe(true);
        expect(missingWitnesses([...members].reverse(), [...reachable].reverse(), participants)).toEqual(add);
      }),
    );
  });
});
