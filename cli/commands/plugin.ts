/**
 * `khutulun plugin build|call|describe|builtins` — build a TypeScript plugin into a Wasm component
 * and try it against a snapshot file, without an agent.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KhutulunError } from '../../common/index.js';
import { GRANT_NAMES, PluginHost, builtinPlugins } from '../../plugins/index.js';
import type { PluginGrant, PluginGrants, VertexSnapshot } from '../../plugins/index.js';
import type { JsonValue } from '../../plugins/effects.js';
import { buildPlugin } from '../../plugins/sdk/build.js';
import { UsageError, flagList, flagString, parseArgs } from '../args.js';
import type { Command, CliIo, GlobalOptions } from '../command.js';
import { PLUGIN_REGISTRY_USAGE, pluginRegistryCommand } from './plugin-registry.js';

const USAGE = `khutulun plugin build SRC.ts -o OUT.wasm
       khutulun plugin call PLUGIN.wasm FN [--snapshot FILE.json] [--event NAME] [--payload JSON] [--grant NAME]... [--timeout MS]
       khutulun plugin describe PLUGIN.wasm
       khutulun plugin builtins
       ${PLUGIN_REGISTRY_USAGE}`;

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new KhutulunError('KH-IO-READ', `cannot read ${what} ${path}: ${(cause as Error).message}`, { hint: 'check the path', cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new KhutulunError('KH-PLUGIN-INVALID', `${what} ${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
}

/** Fills the parts of a snapshot a hand-written file may leave out. */
function normaliseSnapshot(raw: unknown): VertexSnapshot {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new KhutulunError('KH-PLUGIN-INVALID', 'the snapshot must be a JSON object', { hint: 'see docs/plugins.md (VertexSnapshot)' });
  }
  const s = raw as Partial<VertexSnapshot>;
  return { ...s, id: s.id ?? 'cli/vertex', classes: s.classes ?? [], properties: s.properties ?? {}, edges: s.edges ?? [] };
}

function grantsFrom(names: string[]): PluginGrants {
  const grants: PluginGrants = {};
  for (const name of names) {
    if (!GRANT_NAMES.includes(name as PluginGrant)) throw new UsageError(`unknown grant ${name}`, `grants: ${GRANT_NAMES.join(', ')}`);
    grants[name as PluginGrant] = true;
  }
  return grants;
}

async function withHost<T>(timeoutMs: number, fn: (host: PluginHost) => Promise<T>): Promise<T> {
  const host = await PluginHost.create({ threads: 1, callTimeoutMs: timeoutMs });
  try {
    return await fn(host);
  } finally {
    await host.close();
  }
}

async function run(argv: string[], io: CliIo, globals: GlobalOptions): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'list' || sub === 'allow') return pluginRegistryCommand(sub, rest, io, globals);
  const args = parseArgs(rest, {
    out: { value: true, short: 'o' },
    snapshot: { value: true, short: 's' },
    event: { value: true, short: 'e' },
    payload: { value: true },
    grant: { value: true, repeat: true },
    timeout: { value: true },
  });
  const at = (p: string): string => resolve(io.cwd, p);
  switch (sub) {
    case 'build': {
      const [src] = args.positionals;
      const out = flagString(args, 'out');
      if (!src || !out) throw new UsageError('plugin build needs SRC and -o OUT.wasm');
      const started = Date.now();
      const { bytes } = await buildPlugin({ source: at(src), out: at(out) });
      io.stdout(`built ${out} (${(bytes.length / 1024).toFixed(0)} KiB, ${Date.now() - started} ms)\n`);
      return 0;
    }
    case 'call': {
      const [wasm, fn] = args.positionals;
      if (!wasm || !fn) throw new UsageError('plugin call needs PLUGIN.wasm and FN');
      const snapshotPath = flagString(args, 'snapshot');
      const snapshot = normaliseSnapshot(snapshotPath ? await readJson(at(snapshotPath), 'snapshot') : {});
      const payloadText = flagString(args, 'payload');
      let payload: JsonValue | undefined;
      if (payloadText !== undefined) {
        try {
          payload = JSON.parse(payloadText) as JsonValue;
        } catch {
          throw new UsageError('--payload must be JSON', `for example --payload '{"replicas": 2}'`);
        }
      }
      const timeout = Number(flagString(args, 'timeout') ?? 5000);
      if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError('--timeout must be a positive number of milliseconds');
      const result = await withHost(timeout, async (host) => {
        await host.register({ id: 'cli', url: at(wasm), grants: grantsFrom(flagList(args, 'grant')) });
        const event = { name: flagString(args, 'event') ?? `Standard.${fn}`, ...(payload !== undefined ? { payload } : {}) };
        return host.call({ plugin: 'cli', fn, event, snapshot });
      });
      io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      if (!result.ok) io.stderr(`${result.error.code}: ${result.error.message}${result.error.hint ? ` (${result.error.hint})` : ''}\n`);
      return result.ok ? 0 : 1;
    }
    case 'describe': {
      const [wasm] = args.positionals;
      if (!wasm) throw new UsageError('plugin describe needs PLUGIN.wasm');
      const manifest = await withHost(5000, async (host) => {
        await host.register({ id: 'cli', url: at(wasm) });
        return host.describe('cli');
      });
      io.stdout(`${JSON.stringify(manifest, null, 2)}\n`);
      return 0;
    }
    case 'builtins':
      for (const p of builtinPlugins()) io.stdout(`${p.id}\t${p.path}\n`);
      return 0;
    default:
      throw new UsageError(sub ? `unknown plugin subcommand ${sub}` : 'plugin needs a subcommand');
  }
}

export const pluginCommand: Command = {
  name: 'plugin',
  summary: 'build a TypeScript plugin into Wasm, call or describe a plugin; list the cluster registry, allow grants',
  usage: USAGE,
  run: (argv, io, globals) => run(argv, io, globals),
};
