// An HTTP service that embeds Khutulun: it runs a host in-process, deploys the service template
// next to this file, and answers GET /status with the deployment's status and outputs.
//   npm install khutulun && node server.mjs [STATE_DIR] [--check]
// --check: deploy, ask /status once, print it as one JSON line, undeploy and exit (used by the tests).
/* global fetch */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startHost } from 'khutulun';

const args = process.argv.slice(2);
const check = args.includes('--check');
const stateDir = args.find((a) => !a.startsWith('--')) ?? './khutulun-state';

const host = await startHost({ stateDir });
const transitions = [];
const unsubscribe = host.events((e) => {
  if (e.type === 'node.transition') transitions.push(`${e.node}: ${e.from} -> ${e.to}`);
});
const { outputs } = await host.deploy('hello', { file: fileURLToPath(new URL('./service.yaml', import.meta.url)), inputs: { greeting: 'Hello from an embedded Khutulun' } });

const server = createServer(async (req, res) => {
  if (req.url !== '/status') {
    res.writeHead(404).end();
    return;
  }
  const status = await host.status('hello');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status, outputs, transitions }));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/status`;

async function stop() {
  server.close();
  unsubscribe();
  await host.undeploy('hello');
  await host.close();
}

if (check) {
  const mine = await (await fetch(url)).json();
  // The deployed web server answers on its own reserved port (it may need a moment to listen).
  let greeting;
  for (let i = 0; i < 100 && greeting === undefined; i++) {
    greeting = await fetch(outputs.url).then((r) => r.text(), () => undefined);
    if (greeting === undefined) await new Promise((r) => setTimeout(r, 100));
  }
  console.log(JSON.stringify({ state: mine.status.state, nodes: mine.status.nodes.map((n) => `${n.template}=${n.state}`), greeting: greeting?.trim(), transitions: mine.transitions.length }));
  await stop();
} else {
  console.log(`embedded Khutulun: ${url} (the deployed server: ${outputs.url}); Ctrl-C stops both`);
  process.once('SIGINT', () => void stop());
}
