import { describe, expect, it } from 'vitest';
import { CPUS_LABEL, MEMORY_LABEL, hostFilterConstraint } from '../../../agent/host-filter.js';
import { compileConstraint } from '../../../scheduler/index.js';
import type { HostInfo } from '../../../scheduler/index.js';
import type { Expression } from '../../../store/index.js';

const call = (fn: string, ...args: Expression[]): Expression => ({ $: 'call', fn: `tosca:${fn}`, args, mode: 'eager' });
const prop = (...path: string[]): Expression => call('get_property', 'SELF', 'CAPABILITY', ...path);
const host = (labels: Record<string, string>, cpus = 4, memory = 8 * 1024 ** 3): HostInfo =>
  ({ id: 'h', labels: { ...labels, [CPUS_LABEL]: String(cpus), [MEMORY_LABEL]: String(memory) }, capabilities: [], capacity: { cpu: cpus * 1000, memory }, status: 'ready' }) as unknown as HostInfo;

describe('the host requirement’s node_filter as a placement constraint', () => {
  it('translates conditions on labels, hostname, cpus and memory', () => {
    const filter = call(
      'and',
      call('equal', prop('labels', 'zone'), 'eu-1'),
      call('valid_values', prop('hostname'), ['edge-1', 'edge-2']),
      call('greater_or_equal', prop('cpus'), 2n),
      call('in_range', prop('host', 'memory'), ['4 GiB', '16 GiB']),
      call('not', call('has_key', prop('labels'), 'drain')),
      call('less_than', 8n, prop('cpus')), // literal first: flipped
    );
    const c = hostFilterConstraint(filter, 'nodes/web');
    const ok = compileConstraint(c);
    expect(ok(host({ zone: 'eu-1', hostname: 'edge-1' }, 16))).toBe(true);
    expect(ok(host({ zone: 'eu-2', hostname: 'edge-1' }, 16))).toBe(false);
    expect(ok(host({ zone: 'eu-1', hostname: 'edge-3' }, 16))).toBe(false);
    expect(ok(host({ zone: 'eu-1', hostname: 'edge-1' }, 4))).toBe(false); // not > 8 cpus
    expect(ok(host({ zone: 'eu-1', hostname: 'edge-1', drain: 'yes' }, 16))).toBe(false);
    expect(ok(host({ zone: 'eu-1', hostname: 'edge-1' }, 16, 2 * 1024 ** 3))).toBe(false); // 2 GiB < 4 GiB
  });

  it('refuses what placement cannot evaluate, saying what it can', () => {
    const bad: Expression[] = [
      call('equal', call('get_property', 'SELF', 'labels', 'zone'), 'a'), // not SELF, CAPABILITY
      call('equal', prop('disk'), 'ssd'), // no such host property
      call('matches', prop('hostname'), 'edge-.*'), // unsupported function
      call('equal', prop('labels', 'zone'), prop('labels', 'region')), // no literal
      call('greater_than', prop('memory'), 'lots'),
      'zone=a',
    ];
    for (const f of bad) {
      expect(() => hostFilterConstraint(f, 'nodes/web'), JSON.stringify(f)).toThrow(
        expect.objectContaining({ code: 'KH-AGENT-PLACEMENT', message: expect.stringMatching(/^nodes\/web: the node_filter of its host requirement/) as string, hint: expect.stringMatching(/\$equal/) as string }) as Error,
      );
    }
  });
});
