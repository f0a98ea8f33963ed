/**
 * `khutulun plugin new|build|test|call|describe|builtins` — scaffold a plugin project, build a
 * TypeScript plugin into a Wasm component, run its functions against recorded events, and try it
 * against a snapshot file, without an agent.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { KhutulunError } from '../../common/index.js';
import { GRANT_NAMES, PluginHost, builtinPlugins } from '../../plugins/index.js';
import type { PluginGrant, PluginGrants } from '../../plugins/index.js';
import type { JsonValue } from '../../plugins/effects.js';
import { buildPlugin } from '../../plugins/sdk/build.js';
import { UsageError, flagList, flagString, parseArgs } from '../args.js';
import type { Command, CliIo, GlobalOptions } from '../command.js';
import { packageVersion } from '../package-info.js';
import { judge, normaliseSnapshot, parseCases } from './plugin-cases.js';
import { scaffoldPlugin } from './plugin-new.js';
import { PLUGIN_REGISTRY_USAGE, pluginRegistryCommand } from './plugin-registry.js';

const USAGE = `khutulun plugin new NAME [--dir DIR]
       khutulun plugin build SRC.ts -o OUT.wasm
       khutulun plugin test CASES.json [--plugin PLUGIN.wasm|SRC.ts]
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

/** Builds with a progress line per step on stderr (a build takes seconds). */
async function buildWithProgress(src: string, out: string, io: CliIo): Promise<{ bytes: Uint8Array; sha256: string; ms: number }> {
  const started = Date.now();
  const { bytes, sha256 } = await buildPlugin({ source: src, out, onStep: (step) => io.stderr(`khutulun: ${step} ${step === 'writing' ? out : src}…\n`) });
  return { bytes, sha256, ms: Date.now() - started };
}

/** `plugin test`: every recorded case against the real component; exit 1 when one fails. */
async function testCases(file: string | undefined, pluginFlag: string | undefined, timeoutFlag: string | undefined, io: CliIo): Promise<number> {
  if (!file) throw new UsageError('plugin test needs CASES.json', 'see docs/plugins.md (plugin test)');
  const path = resolve(io.cwd, file);
  const cases = parseCases(await readJson(path, 'cases file'), file);
  const named = pluginFlag !== undefined ? resolve(io.cwd, pluginFlag) : cases.plugin !== undefined ? resolve(dirname(path), cases.plugin) : undefined;
  if (!named) throw new UsageError('plugin test needs the plugin: "plugin" in the cases file or --plugin FILE');
  const timeout = Number(timeoutFlag ?? 5000);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError('--timeout must be a positive number of milliseconds');
  let scratch: string | undefined;
  try {
    let wasm = named;
    if (/\.(ts|js|mjs)$/.test(named)) {
      scratch = await mkdtemp(join(tmpdir(), 'kh-plugin-test-'));
      wasm = join(scratch, 'plugin.wasm');
      await buildWithProgress(named, wasm, io);
    }
    let failed = 0;
    await withHost(timeout, async (host) => {
      await host.register({ id: 'test', url: wasm });
      const results = await host.callBatch(cases.cases.map((c) => ({ plugin: 'test', fn: c.fn, event: c.event, snapshot: c.snapshot })));
      cases.cases.forEach((c, i) => {
        const why = judge(c, results[i]!);
        if (why) failed++;
        io.stdout(why ? `FAIL ${c.name}\n  ${why}\n` : `ok   ${c.name}\n`);
      });
    });
    io.stdout(`${cases.cases.length - failed} passed, ${failed} failed\n`);
    return failed === 0 ? 0 : 1;
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
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
    dir: { value: true },
    plugin: { value: true },
  });
  const at = (p: string): string => resolve(io.cwd, p);
  switch (sub) {
    case 'new': {
      const [name] = args.positionals;
      if (!name) throw new UsageError('plugin new needs a NAME', 'for example: khutulun plugin new acme.greeter');
      const dir = at(flagString(args, 'dir') ?? name);
      const files = await scaffoldPlugin(dir, name, packageVersion());
      io.stdout(`created ${dir}\n${files.map((f) => `  ${f}\n`).join('')}next:\n  cd ${dir}\n  khutulun plugin build src/plugin.ts -o build/${name}.wasm\n  khutulun plugin test test/cases.json\n`);
      return 0;
    }
    case 'build': {
      const [src] = args.positionals;
      const out = flagString(args, 'out');
      if (!src || !out) throw new UsageError('plugin build needs SRC and -o OUT.wasm');
      const built = await buildWithProgress(at(src), at(out), io);
      io.stdout(`built ${out}: ${built.bytes.length} bytes (${(built.bytes.length / 1024).toFixed(0)} KiB), ${built.sha256}, ${built.ms} ms\n`);
      return 0;
    }
    case 'test':
      return testCases(args.positionals[0], flagString(args, 'plugin'), flagString(args, 'timeout'), io);
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
  summary: 'scaffold, build and test a TypeScript plugin; call or describe a plugin; list the cluster registry, allow grants',
  usage: USAGE,
  run: (argv, io, globals) => run(argv, io, globals),
};
