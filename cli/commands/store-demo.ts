/**
 * `khutulun store-demo [--state DIR]` — a small, visible proof of the Floria store: creates a
 * deployment with vertexes and an edge, writes properties, closes, reopens from disk and prints the
 * graph and the history of one vertex. Without --state it uses a fresh temporary directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../command.js';
import { flagString, parseArgs } from '../args.js';
import { call, formatEntityId, openStore, parseEntityId, toJson } from '../../store/index.js';

export const storeDemoCommand: Command = {
  name: 'store-demo',
  summary: 'create, write, reopen and show the history of a small deployment in the Floria store',
  usage: 'khutulun store-demo [--state DIR]',
  async run(argv, io) {
    const args = parseArgs(argv, { state: { value: true } });
    const given = flagString(args, 'state');
    const dir = given ?? (await mkdtemp(join(tmpdir(), 'kh-store-demo-')));
    const out = (s: string): void => io.stdout(s + '\n');
    try {
      const store = await openStore({ dir, hostId: 'demo-host' });
      const name = `demo-${store.listDeployments().length + 1}`;
      const dep = await store.createDeployment(name);
      const web = parseEntityId('vertex', 'app/web');
      await Promise.all([
        dep.create('vertex', { id: web, classIds: ['demo:Server'], properties: { port: { readOnly: true, value: 8080n }, replicas: { value: 1n } } }),
        dep.create('vertex', { id: 'app/db', classIds: ['demo:Database'], properties: { engine: { value: 'postgres' } } }),
      ]);
      await dep.create('edge', { id: 'app/web-uses-db', source: 'app/web', target: 'app/db' });
      await dep.putProperty(web, 'url', { updater: call('floria:concat', ['http://web:', '8080']) });
      await dep.updateProperties(web);
      await dep.setProperty(web, 'replicas', 3n);
      await dep.setOwner(web, 'demo-host');
      await dep.setStatus(web, { state: 'running', reason: 'demo' });
      const refused = await dep.setProperty(web, 'port', 9090n).then(
        () => 'accepted (unexpected)',
        (e: { code?: string }) => `refused with ${e.code}`,
      );
      out(`state directory: ${dir}`);
      out(`deployment ${name} written; writing the read-only property "port" was ${refused}`);
      await store.close();

      const again = await openStore({ dir, hostId: 'demo-host' });
      const d2 = await again.openDeployment(name);
      out(`reopened from disk: ${again.listDeployments().map((d) => d.name).join(', ')}`);
      for (const v of d2.list('vertex')) {
        const props = Object.fromEntries(Object.entries(v.properties).map(([k, p]) => [k, p.value === undefined ? null : toJson(p.value)]));
        out(`  vertex ${formatEntityId(v.id)} classes=${JSON.stringify(v.classIds)} props=${JSON.stringify(props)} out=${JSON.stringify(v.outgoing)} in=${JSON.stringify(v.incoming)}${v.status ? ` status=${v.status.state}` : ''}`);
      }
      for (const e of d2.list('edge')) out(`  edge ${formatEntityId(e.id)}: ${e.source} -> ${e.target}`);
      out('history of app/web:');
      for (const h of d2.history(web)) out(`  ${new Date(h.at).toISOString()} host=${h.host} actor=${h.actor.slice(0, 8)} ${h.fields.join(', ')}`);
      await again.close();
      return 0;
    } catch (e) {
      const err = e as { code?: string; message?: string; hint?: string };
      io.stderr(`${err.code ?? 'KH-INTERNAL'}: ${err.message ?? String(e)}${err.hint ? ` (${err.hint})` : ''}\n`);
      return 1;
    } finally {
      if (given === undefined) await rm(dir, { recursive: true, force: true });
    }
  },
};
