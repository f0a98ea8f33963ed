import { describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import { placementPolicyFromProfile } from '../../../scheduler/index.js';
import { vid } from './fixtures.js';

const members = [vid('a'), vid('b')];

describe('placement policies from the Khutulun profile', () => {
  it('maps every type name of profiles/khutulun/policies.yaml', () => {
    expect(placementPolicyFromProfile({ name: 'p', type: 'khutulun:Affinity', members })).toEqual({ name: 'p', kind: 'colocation', members });
    expect(placementPolicyFromProfile({ name: 'p', type: 'AntiAffinity', members })).toEqual({ name: 'p', kind: 'separation', members });
    expect(placementPolicyFromProfile({ name: 'p', type: 'Separation', properties: { scope: 'zone' }, members })).toMatchObject({ label: 'zone' });
    expect(placementPolicyFromProfile({ name: 'p', type: 'Spread', properties: { label: 'zone', max_skew: 1 }, members })).toMatchObject({ kind: 'spread', label: 'zone' });
    expect(placementPolicyFromProfile({ name: 'p', type: 'khutulun.policies.Redundancy', properties: { copies: 3 }, members })).toMatchObject({ kind: 'redundancy', copies: 3 });
  });

  it.each([
    [{ type: 'Colocation', properties: { scope: 'zone' } }, 'KH-SCHED-016'],
    [{ type: 'Separation', properties: { required: false } }, 'KH-SCHED-016'],
    [{ type: 'Redundancy', properties: { copies: 2, distinct_hosts: false } }, 'KH-SCHED-016'],
    [{ type: 'Redundancy', properties: { copies: 0 } }, 'KH-SCHED-017'],
    [{ type: 'Spread', properties: {} }, 'KH-SCHED-017'],
    [{ type: 'Teleport', properties: {} }, 'KH-SCHED-017'],
  ])('refuses what it cannot honour: %j', (input, code) => {
    try {
      placementPolicyFromProfile({ name: 'p', members, ...input });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KhutulunError);
      expect((e as KhutulunError).code).toBe(code);
    }
  });
});
