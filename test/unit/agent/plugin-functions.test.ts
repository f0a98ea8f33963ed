import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { call, evaluate, openStore } from '../../../store/index.js';
import type { Store } from '../../../store/index.js';
import { PluginHost, builtinPlugins } from '../../../plugins/index.js';
import { buildCatalog } from '../../../tosca/index.js';
import { compileFile, instantiateService } from '../../../tosca/compile/index.js';
import { pluginFunctionResolver } from '../../../agent/plugin-functions.js';

const noop = builtinPlugins().find((p) => p.id === 'khutulun.noop')!;

describe('custom functions dispatched to Wasm plugins', () => {
  let host: PluginHost;
  let store: Store;
  beforeAll(async () => {
    if (!existsSync(noop.path)) throw new Error(`${noop.path} is missing: run npm run build first`);
    host = await PluginHost.create({ threads: 1 });
    await host.register({ id: noop.id, url: noop.path });
    store = await openStore({ hostId: 'h1' });
    store.functions.addResolver(pluginFunctionResolver(host));
  });
  afterAll(async () => {
    await store?.close();
    await host?.close();
  });

  it('a Floria call <plugin>:<fn> runs the plugin with evaluated arguments', async () => {
    const r = await evaluate(call('khutulun.noop:echo', [call('floria:concat', ['x', 'y']), 2n]), store.functions, {});
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual(['xy', 2n]);
  });

  it('a TOSCA custom function whose signature names a PluginFunction compiles to that plugin call', async () => {
    const catalog = await buildCatalog([], process.cwd());
    const c = await compileFile(join(import.meta.dirname, '../tosca/fixtures/compile/custom-function.yaml'), { catalog });
    expect(c.problems).toEqual([]);
    const d = await store.createDeployment('fn');
    const inst = await instantiateService(d, c.service!);
    expect(inst.problems).toEqual([]);
    expect(d.require('vertex', 'nodes/thing').properties['status']!.value).toEqual(['hello', 'ab']);
  });

  it('an unknown plugin function is a coded evaluation error, not a crash', async () => {
    const r = await evaluate(call('khutulun.noop:nope', []), store.functions, {});
    expect(r.errors[0]?.code).toMatch(/^KH-/);
  });
});
