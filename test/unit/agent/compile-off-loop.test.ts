/**
 * Templates sent over the API compile in a worker thread: while a 1.5 MB template (9,000 node
 * templates, seconds of parsing and checking, one problem at its end) is planned, the agent keeps
 * answering /healthz.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, harness, TOKEN } from './helpers.js';
import { testEngine } from './test-engine.js';

function bigTemplate(): string {
  let s = 'tosca_definitions_version: tosca_2_0\nimports:\n  - profile: khutulun.org:core\nservice_template:\n  node_templates:\n';
  for (let i = 0; s.length < 1.5 * 1024 * 1024; i++) s += `    n${i}:\n      type: Root\n      description: "${'x'.repeat(120)}"\n`;
  return `${s}    last:\n      type: NoSuchType\n`;
}

/**
 * Polls /healthz every 10 ms while `work` runs; returns the longest time between two answers (ms).
 * The agent runs in this process: a blocked event loop shows as a long gap, whoever measures.
 */
async function worstHealthz(url: string, work: Promise<unknown>): Promise<{ worst: number; polls: number }> {
  let done = false;
  void work.finally(() => (done = true));
  let worst = 0;
  let polls = 0;
  let last = performance.now();
  while (!done && polls < 10_000) {
    await fetch(`${url}/healthz`);
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    polls++;
    await new Promise((r) => setTimeout(r, 10));
  }
  await work;
  return { worst, polls };
}

describe('compile off the event loop', () => {
  const h = harness();
  afterEach(() => h.close());

  it('answers /healthz while a large template compiles', async () => {
    const dir = h.tmp();
    const t = testEngine({ stateDir: dir });
    const a = await h.start('alpha', { stateDir: dir, engine: t.engine });
    await eventually(async () => ((await fetch(`${a.url}/healthz`)).ok ? true : undefined));
    const source = bigTemplate();
    const plan = fetch(`${a.url}/v1/deployments/big/plan`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ source }) }).then((r) => r.json() as Promise<{ error?: { code: string } }>);
    const { worst, polls } = await worstHealthz(a.url, plan);
    const answer = await plan;
    // The problem at the end is found, after the whole file was compiled.
    expect(answer.error?.code).toBe('KH-AGENT-INVALID');
    expect(polls).toBeGreaterThan(5); // the compile took a while, and /healthz answered throughout
    console.log(`compile in a worker: ${polls} /healthz answers, worst ${worst.toFixed(0)} ms`);
    // The JSON body (4 MB) is still parsed on the loop; the compile (seconds) is not.
    expect(worst).toBeLessThan(1000);
  }, 120_000);
});
