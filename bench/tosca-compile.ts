/**
 * tosca.compile.1k: validate, compile and instantiate a generated service template with 1,000 node
 * templates and 2,000 requirements (ms). Baseline in the same run: validation alone of that file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Benchmark } from './types.js';
import { withBaseline } from './types.js';
import { ProfileCatalog, validateFile } from '../tosca/index.js';
import { compileService, instantiateService } from '../tosca/compile/index.js';
import { openStore } from '../store/index.js';

export function generateTemplate(nodes: number): string {
  const lines = [
    'tosca_definitions_version: tosca_2_0',
    'capability_types:',
    '  Endpoint:',
    '    properties: { port: { type: integer, default: 80 } }',
    'node_types:',
    '  Service:',
    '    properties:',
    '      index: { type: integer }',
    '      label: { type: string }',
    '    capabilities:',
    '      endpoint: { type: Endpoint }',
    '    requirements:',
    '      - uses: { capability: Endpoint, count_range: [ 0, UNBOUNDED ] }',
    'service_template:',
    '  node_templates:',
  ];
  for (let i = 0; i < nodes; i++) {
    lines.push(`    n${i}:`, '      type: Service', '      properties:', `        index: ${i}`, `        label: { $concat: [ "node-", "${i}" ] }`);
    if (i >= 2) lines.push('      requirements:', `        - uses: n${i - 1}`, `        - uses: n${i - 2}`);
    else if (i === 1) lines.push('      requirements:', '        - uses: n0', '        - uses: n0');
  }
  return lines.join('\n') + '\n';
}

export const toscaCompile1k: Benchmark = {
  name: 'tosca.compile.1k',
  async run(ctx) {
    const n = ctx.quick ? 200 : 1000;
    const file = join(ctx.tmpDir, 'gen.yaml');
    writeFileSync(file, generateTemplate(n));
    const catalog = new ProfileCatalog();
    // Warm-up (module and JIT), then measure.
    await validateFile(file, { catalog });
    let t = performance.now();
    const v = await validateFile(file, { catalog });
    const validateMs = performance.now() - t;
    if (!v.valid || !v.model) throw new Error(`generated template invalid: ${JSON.stringify(v.problems.slice(0, 3))}`);
    t = performance.now();
    const c = compileService(v.model);
    const compileMs = performance.now() - t;
    const store = await openStore({ hostId: 'bench' });
    try {
      const d = await store.createDeployment('bench');
      t = performance.now();
      const inst = await instantiateService(d, c.service);
      const instantiateMs = performance.now() - t;
      if (inst.problems.length > 0 || inst.relationships.length !== 2 * n - 2 + (n > 1 ? 0 : 0)) {
        ctx.log(`problems: ${inst.problems.length}, relationships: ${inst.relationships.length}`);
      }
      const total = validateMs + compileMs + instantiateMs;
      return [
        withBaseline(
          { name: 'tosca.compile.1k', value: Number(total.toFixed(1)), unit: 'ms', extra: { nodes: n, requirements: 2 * n - 2, validateMs: Math.round(validateMs), compileMs: Math.round(compileMs), instantiateMs: Math.round(instantiateMs), target: 'compile+instantiate <= 1000 ms' } },
          { name: 'validate-only', value: Number(validateMs.toFixed(1)), unit: 'ms' },
        ),
      ];
    } finally {
      await store.close();
    }
  },
};
