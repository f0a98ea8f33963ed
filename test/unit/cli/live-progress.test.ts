/**
 * The progress display of deploy/update/scale/undeploy: on a terminal a block redrawn in place
 * (cursor up + clear, one line per node), elsewhere one plain line per change; and `deploy --wait`
 * uses it against an agent on the production engine.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentStatus } from '../../../agent/index.js';
import { main } from '../../../cli/main.js';
import { progressBlock, progressView } from '../../../cli/live-progress.js';
import { harness, TOKEN } from '../agent/helpers.js';
import { testEngine, WEB_APP } from '../agent/test-engine.js';

const status = (states: string[]): DeploymentStatus => ({
  name: 'web',
  state: states.every((s) => s === 'started') ? 'deployed' : 'deploying',
  generation: 1,
  nodes: states.map((state, i) => ({ id: `nodes/n${i}`, template: `n${i}`, host: 'a', state })),
  outputs: {},
});

describe('live progress', () => {
  it('a block has the summary and one line per node, never wider than the terminal (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('pending', 'starting', 'started', 'error', 'failing'), { maxLength: 40 }), fc.integer({ min: 20, max: 200 }), (states, columns) => {
        const block = progressBlock(status(states), 3, columns);
        expect(block.length).toBe(1 + Math.min(states.length, 30) + (states.length > 30 ? 1 : 0));
        expect(block.every((l) => l.length <= columns)).toBe(true);
      }),
    );
  });

  it('redraws in place on a terminal, prints plain lines otherwise', () => {
    let tty = '';
    const view = progressView((t) => void (tty += t), true);
    view.show(status(['starting', 'pending']));
    view.show(status(['started', 'starting']));
    expect(tty).toContain('\x1b[3A\r\x1b[J');
    expect(tty).toMatch(/✓ n0\s+started\s+a/);
    let plain = '';
    const log = progressView((t) => void (plain += t), false);
    log.show(status(['starting']));
    log.show(status(['starting']));
    log.show(status(['started']));
    expect(plain).toBe('web: deploying (generation 1; 1 starting)\nweb: deployed (generation 1; 1 started)\n');
    expect(plain).not.toContain('\x1b');
  });

  const h = harness();
  afterEach(() => h.close());

  it('deploy --wait draws the block on a terminal', async () => {
    const state = h.tmp();
    const a = await h.start('alpha', { stateDir: state, engine: testEngine({ stateDir: state }).engine });
    const file = join(h.tmp(), 'web.yaml');
    writeFileSync(file, WEB_APP);
    let err = '';
    const code = await main(['--agent', a.url, 'deploy', file, '--wait', '--timeout', '30s'], {
      stdout: () => undefined,
      stderr: (t) => void (err += t),
      stderrIsTty: true,
      columns: 80,
      env: { HOME: '/nonexistent-home', KHUTULUN_TOKEN: TOKEN },
      cwd: process.cwd(),
    });
    expect(code).toBe(0);
    expect(err).toMatch(/✓ proxy\s+started\s+alpha/);
    let undeployErr = '';
    const un = await main(['--agent', a.url, 'undeploy', 'web'], { stdout: () => undefined, stderr: (t) => void (undeployErr += t), stderrIsTty: true, env: { HOME: '/nonexistent-home', KHUTULUN_TOKEN: TOKEN }, cwd: process.cwd() });
    expect(un).toBe(0);
    expect(undeployErr).toContain('web: undeploying');
  });
});
