/**
 * Placement policies through the agent's placement (agent/placement.ts) on a real compiled
 * deployment: Redundancy puts the template's instances (its copies) on distinct hosts and refuses
 * fewer instances than copies; a required Spread keeps zones within max_skew and says which
 * policy stopped it (the refusal itself: test/unit/scheduler/spread-skew.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../common/index.js';
import type { HostView } from '../../../agent/index.js';
import { placeDeployment } from '../../../agent/index.js';
import { desiredState } from '../../../agent/desired-state.js';
import { createFunctionRegistry } from '../../../store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kh-placement-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hostView(id: string, zone: string): HostView {
  return { id, name: id, address: '', addresses: [], labels: { zone }, capacity: { cpus: 64, memoryBytes: 64 * 1024 ** 3 }, connected: true, lastSeen: '', self: false };
}

async function place(template: string, hosts: HostView[]): Promise<Map<string, string>> {
  const file = join(dir, `t${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, template);
  const desired = await desiredState('svc', { file, cwd: dir, inputs: {} }, { hostId: 'h0', clock: systemClock, profileDirs: [], functions: () => createFunctionRegistry() });
  try {
    return await placeDeployment(desired.scratch, hosts);
  } finally {
    await desired.close();
  }
}

const service = (count: number, policy: string): string => `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    web:
      type: Root
      count: ${count}
  policies:
    - p:
${policy}
`;

describe('placement policies at deploy', () => {
  it('Redundancy: the copies are the instances, each on its own host; too few instances is refused', async () => {
    const hosts = ['a', 'b', 'c'].map((h) => hostView(h, 'z'));
    const placed = await place(service(3, '        type: Redundancy\n        targets: [ web ]\n        properties: { copies: 3 }'), hosts);
    expect(new Set(placed.values()).size).toBe(3);
    await expect(place(service(2, '        type: Redundancy\n        targets: [ web ]\n        properties: { copies: 3 }'), hosts)).rejects.toMatchObject({
      code: 'KH-AGENT-PLACEMENT',
      message: expect.stringContaining('3 copies of web'),
    });
    // More copies than hosts: refused by the scheduler, not placed two to a host.
    await expect(place(service(4, '        type: Redundancy\n        targets: [ web ]\n        properties: { copies: 4 }'), hosts)).rejects.toMatchObject({ code: 'KH-AGENT-PLACEMENT' });
  });

  it('Spread with max_skew: the zones stay even however many hosts each has', async () => {
    const hosts = [hostView('a1', 'a'), hostView('a2', 'a'), hostView('b1', 'b')];
    const placed = await place(service(4, '        type: Spread\n        targets: [ web ]\n        properties: { label: zone, max_skew: 1 }'), hosts);
    const zones = [...placed.values()].map((h) => h[0]);
    expect(zones.filter((z) => z === 'a')).toHaveLength(2);
    expect(zones.filter((z) => z === 'b')).toHaveLength(2);
  });
});
