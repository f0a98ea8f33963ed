/**
 * khutulun.process — the Standard lifecycle of a bare process (node type khutulun.org:core:Process),
 * as RuntimeIntents for the `process` runtime. Built into a Wasm component by scripts/build-plugins.mjs.
 */
import type { ProcessSpec } from '../../../runtimes/workload.js';
import type { VertexSnapshot } from '../../host/call.js';
import { definePlugin } from '../../sdk/define-plugin.js';
import { readString, readStringList, readStringMap } from '../../sdk/read-properties.js';
import { connectionEnv, lifecycleHandlers, readArtifacts, readLimits, readPorts, readRestart, readStopTimeout } from '../common/index.js';

export function processSpec(vertex: VertexSnapshot): ProcessSpec {
  const spec: ProcessSpec = { kind: 'process', command: readString(vertex, 'command', true) };
  const args = readStringList(vertex, 'args');
  if (args) spec.args = args;
  const env = { ...connectionEnv(vertex), ...readStringMap(vertex, 'env') };
  if (Object.keys(env).length > 0) spec.env = env;
  const cwd = readString(vertex, 'cwd');
  if (cwd !== undefined) spec.cwd = cwd;
  const user = readString(vertex, 'user');
  if (user !== undefined) spec.user = user;
  const restart = readRestart(vertex);
  if (restart) spec.restart = restart;
  const stopTimeoutMs = readStopTimeout(vertex);
  if (stopTimeoutMs !== undefined) spec.stopTimeoutMs = stopTimeoutMs;
  const limits = readLimits(vertex);
  if (limits) spec.limits = limits;
  const ports = readPorts(vertex);
  if (ports) spec.ports = ports;
  const artifacts = readArtifacts(vertex);
  if (artifacts) spec.artifacts = artifacts;
  return spec;
}

export const { describe, invoke } = definePlugin(
  'khutulun.process',
  lifecycleHandlers({ runtime: () => 'process', spec: processSpec }),
  { version: '0.1.0' },
);
