/**
 * update.plan: the plan of a 1,000-node service with 10 % of its nodes changed (ms: compile +
 * instantiate in a scratch store + diff), baseline in the same run: a plan with nothing changed.
 * update.apply: 1,000 running instances, one property changed on each, until every one runs the new
 * generation (ms), baseline in the same run: the fresh deploy of the same 1,000. Both run the
 * production engine (clusterEngine in a real agent, real Wasm plugins, the noop runtime: no
 * processes) and check their own result (the plan's size; every node started at its generation).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Benchmark, BenchResult } from './types.js';
import { withBaseline } from './types.js';
import { clusterEngine, startAgent } from '../agent/index.js';
import { NoopRuntime } from '../runtimes/noop/index.js';

function template(nodes: number, changed: (i: number) => boolean, label: string): string {
  const lines = [
    'tosca_definitions_version: tosca_2_0',
    'imports:',
    '  - profile: khutulun.org:core',
    'node_types:',
    '  Item:',
    '    derived_from: Root',
    '    properties:',
    '      label: { type: string }',
    'service_template:',
    '  node_templates:',
  ];
  for (let i = 0; i < nodes; i++) {
    lines.push(`    n${i}:`, '      type: Item', '      properties:', `        label: "${changed(i) ? label : 'v1'}-${i}"`);
    if (i >= 10) lines.push('      requirements:', `        - dependency: n${i - 10}`);
  }
  return lines.join('\n') + '\n';
}

export const updateBench: Benchmark = {
  name: 'update',
  async run(ctx) {
    const n = ctx.quick ? 100 : 1000;
    const v1 = join(ctx.tmpDir, 'v1.yaml');
    const v10 = join(ctx.tmpDir, 'v10.yaml');
    const v2 = join(ctx.tmpDir, 'v2.yaml');
    writeFileSync(v1, template(n, () => false, 'v1'));
    writeFileSync(v10, template(n, (i) => i % 10 === 0, 'v2'));
    writeFileSync(v2, template(n, () => true, 'v2'));
    const state = join(ctx.tmpDir, 'state');
    const engine = clusterEngine({ stateDir: state, local: { runtimes: [new NoopRuntime()] } });
    const agent = await startAgent({ name: 'bench', listen: '127.0.0.1:0', stateDir: state, token: 'bench-token-0123456789', engine: engine.factory });
    try {
      const { engine: d } = await engine.opened();
      const converged = async (generation: number): Promise<void> => {
        const report = await d.settled('u');
        const s = await d.status('u');
        if (!report?.ok || s.state !== 'deployed' || s.generation !== generation || s.nodes.length !== n) {
          throw new Error(`update bench: not converged at generation ${generation}: ${s.state}, ${s.nodes.length} nodes`);
        }
        if (!s.nodes.every((x) => x.state === 'started' && (x.generation ?? 0) >= (x.desiredGeneration ?? 0))) throw new Error('update bench: a node is not at its generation');
      };
      let t = performance.now();
      await d.deployFile('u', v1);
      await converged(1);
      const deployMs = performance.now() - t;
      ctx.log(`fresh deploy of ${n}: ${deployMs.toFixed(0)} ms`);

      // Plans: the same warm-up and the same statistic (median of 5) on both sides.
      const median = async (file: string, expect: number): Promise<number> => {
        const times: number[] = [];
        for (let i = 0; i < 6; i++) {
          const t0 = performance.now();
          const plan = await d.planFile('u', file);
          const dt = performance.now() - t0;
          if (plan.changes.filter((c) => c.action === 'update').length !== expect) throw new Error(`update bench: plan has ${plan.changes.length} changes, want ${expect}`);
          if (i > 0) times.push(dt);
        }
        return times.sort((a, b) => a - b)[2]!;
      };
      const noChange = await median(v1, 0);
      const tenPercent = await median(v10, n / 10);

      t = performance.now();
      const result = await d.updateFile('u', v2);
      if (result.plan?.changes.filter((c) => c.action === 'update').length !== n) throw new Error('update bench: the update does not change every node');
      await converged(2);
      const applyMs = performance.now() - t;
      ctx.log(`update of ${n} (one property each, rolling one at a time): ${applyMs.toFixed(0)} ms`);
      const results: BenchResult[] = [
        withBaseline({ name: 'update.plan', value: Number(tenPercent.toFixed(1)), unit: 'ms', extra: { nodes: n, changed: n / 10 } }, { name: 'plan with nothing changed', value: Number(noChange.toFixed(1)), unit: 'ms' }),
        withBaseline({ name: 'update.apply', value: Math.round(applyMs), unit: 'ms', extra: { nodes: n, rolling: 1 } }, { name: `fresh deploy of the same ${n}`, value: Math.round(deployMs), unit: 'ms' }),
      ];
      await d.undeploy('u', { force: true });
      return results;
    } finally {
      await agent.close();
    }
  },
};
