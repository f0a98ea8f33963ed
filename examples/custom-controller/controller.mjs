// A custom controller that embeds Khutulun: it deploys a pool of workers and keeps their count at
// ceil(queue / 10) (1 to 5), reading the queue length — the metric — from metric.json next to the
// state folder. It watches the nodes of TOSCA type Process and writes desired state (scale);
// the engine does the rest (new instances in dependency order, removed ones stopped first).
//   npm install khutulun && node controller.mjs [STATE_DIR] [--check]
// --check: drive the metric 25 -> 5, wait for 3 then 1 running workers, print one JSON line, clean up.
/* global setInterval, clearInterval */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHost } from 'khutulun';

const args = process.argv.slice(2);
const check = args.includes('--check');
const stateDir = args.find((a) => !a.startsWith('--')) ?? './khutulun-state';
const metricFile = join(stateDir, '..', 'metric.json');

/** The desired worker count for a queue length (pure). */
function desiredWorkers(queue) {
  return Math.min(5, Math.max(1, Math.ceil(queue / 10)));
}

function queueLength() {
  try {
    return Number(JSON.parse(readFileSync(metricFile, 'utf8')).queue) || 0;
  } catch {
    return 0; // no metric yet: the minimum
  }
}

const host = await startHost({ stateDir });
await host.deploy('pool', { file: fileURLToPath(new URL('./service.yaml', import.meta.url)) });

const log = [];
let scaling = false;
async function reconcile(nodes) {
  const want = desiredWorkers(queueLength());
  const have = nodes.filter((n) => n.template === 'worker').length;
  if (want === have || scaling) return;
  scaling = true;
  try {
    log.push(`queue ${queueLength()}: ${have} -> ${want} workers`);
    await host.scale('pool', 'worker', want);
  } finally {
    scaling = false;
  }
}
// React to the deployment's changes, and poll the metric (it changes outside Khutulun).
const stopWatch = host.watch('pool', { type: 'Process' }, reconcile, (e) => console.error(`controller: ${e.message}`));
const poll = setInterval(() => void host.nodes('pool', { type: 'Process' }).then(reconcile, () => undefined), 250);

async function stop() {
  clearInterval(poll);
  stopWatch();
  await host.undeploy('pool');
  await host.close();
}

async function running(count) {
  for (let i = 0; i < 240; i++) {
    const nodes = await host.nodes('pool', { type: 'Process' });
    if (nodes.length === count && nodes.every((n) => n.state === 'started')) return nodes.length;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${count} running workers`);
}

if (check) {
  const seen = [await running(1)];
  writeFileSync(metricFile, JSON.stringify({ queue: 25 }));
  seen.push(await running(3));
  writeFileSync(metricFile, JSON.stringify({ queue: 5 }));
  seen.push(await running(1));
  const history = await host.history('pool');
  console.log(JSON.stringify({ workers: seen, decisions: log, generations: Math.max(...history.map((r) => r.generation)) }));
  await stop();
} else {
  console.log(`controller: scaling pool/worker on ${metricFile} ({"queue": N}); Ctrl-C stops`);
  process.once('SIGINT', () => void stop());
}
