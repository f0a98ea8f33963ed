/**
 * The production engine for fast agent tests: clusterEngine (TOSCA, the store in the agent's Repo,
 * placement, the reconciler, the actors) with the noop runtime and a stand-in for the built-in
 * `khutulun.noop` Wasm plugin (plain functions behind the same PluginHostLike interface), so a test
 * can see every lifecycle call and make a node fail. Nothing here is a second engine.
 */
import { KhutulunError } from '../../../common/index.js';
import { clusterEngine } from '../../../agent/index.js';
import type { AgentOptions, ClusterEngineOptions } from '../../../agent/index.js';
import { FakePluginHost } from '../../../plugins/host/fake-plugin-host.js';
import type { PluginEvent, VertexSnapshot } from '../../../plugins/host/index.js';
import type { Effect } from '../../../plugins/effects.js';
import { NoopRuntime } from '../../../runtimes/noop/index.js';

export interface TestEngine {
  readonly engine: NonNullable<AgentOptions['engine']>;
  /** Closes the engine (the agent's close() does too); workloads stay in the runtime. */
  readonly close: () => Promise<void>;
  /** `start web/db`-style lines, in the order the lifecycle ran them. */
  readonly calls: string[];
  /** Templates whose Standard.start fails (non-retryable). */
  readonly failOn: Set<string>;
  /** Templates whose Standard.stop fails (non-retryable): undeploy cannot confirm them. */
  readonly stopFailsOn: Set<string>;
  readonly noop: NoopRuntime;
  /** The plugin host: define more plugins (e.g. a custom interface's functions) before deploying. */
  readonly plugins: FakePluginHost;
}

function effects(event: PluginEvent, v: VertexSnapshot): Effect[] {
  const workload = `${v.deployment}/${v.id}`;
  if (event.name === 'Standard.start') return [{ type: 'intent', intent: { action: 'ensure', runtime: 'noop', workload, spec: { kind: 'noop', vertex: v.id, properties: v.properties } } }];
  if (event.name === 'Standard.stop') return [{ type: 'intent', intent: { action: 'remove', runtime: 'noop', workload } }];
  return [];
}

/** `journal`: the noop runtime's journal file, so workloads outlive an engine restart (re-attach). */
export function testEngine(options: Omit<ClusterEngineOptions, 'local'> & { journal?: string } = {}): TestEngine {
  const calls: string[] = [];
  const failOn = new Set<string>();
  const stopFailsOn = new Set<string>();
  const plugins = new FakePluginHost();
  const op = (name: string) => (event: PluginEvent, v: VertexSnapshot): Effect[] => {
    const node = v.id.split('/').pop()!;
    if (name === 'start' || name === 'stop') calls.push(`${name} ${v.deployment}/${node}`);
    const template = v.template?.split('/').pop() ?? node;
    if ((name === 'start' && failOn.has(template)) || (name === 'stop' && stopFailsOn.has(template))) {
      throw new KhutulunError('KH-TEST-BOOM', `boom in ${node}`, { hint: 'the test made it fail' });
    }
    return effects(event, v);
  };
  plugins.define('khutulun.noop', { create: op('create'), configure: op('configure'), start: op('start'), stop: op('stop'), delete: op('delete') });
  const { journal, ...engineOptions } = options;
  const noop = new NoopRuntime(journal !== undefined ? { journal } : {});
  const { factory, close } = clusterEngine({ ...engineOptions, local: { plugins, runtimes: [noop] } });
  return { engine: factory, close, calls, failOn, stopFailsOn, noop, plugins };
}

/** db <- app <- proxy on the core profile, an input and an output. */
export const WEB_APP = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  inputs:
    port:
      type: integer
      default: 8080
  node_templates:
    db:
      type: Root
    app:
      type: Root
      requirements:
        - dependency: db
    proxy:
      type: Root
      requirements:
        - dependency: app
  outputs:
    url:
      value: { $concat: [ "http://127.0.0.1:", { $get_input: port }, "/" ] }
`;

/** db <- app (a Greeter: greeting from the input) <- worker x `workers`: the Day-2 tests' service. */
export const GREETER_APP = (greeting: string, workers = 1): string => `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
node_types:
  Greeter:
    derived_from: Root
    properties:
      greeting: { type: string }
service_template:
  inputs:
    greeting: { type: string, default: ${greeting} }
  node_templates:
    db:
      type: Root
    app:
      type: Greeter
      properties:
        greeting: { $get_input: greeting }
      requirements:
        - dependency: db
    worker:
      type: Root
      count: ${workers}
      requirements:
        - dependency: app
`;
