/**
 * khutulun.distrobox — the Standard lifecycle of a pristine container
 * (khutulun.org:core:PristineContainer) as RuntimeIntents for the `distrobox` runtime
 * (runtimes/distrobox). Built into a Wasm component by scripts/build-plugins.mjs.
 */
import type { PristineContainerSpec } from '../../../runtimes/workload.js';
import type { VertexSnapshot } from '../../host/call.js';
import { definePlugin, fail } from '../../sdk/define-plugin.js';
import { readString, readStringList } from '../../sdk/read-properties.js';
import { parseDurationMs } from '../../sdk/scalars.js';
import { lifecycleHandlers } from '../common/index.js';

export function pristineContainerSpec(vertex: VertexSnapshot): PristineContainerSpec {
  const image = readString(vertex, 'image');
  if (image === undefined) return fail('KH-PLUGIN-PROPERTY', `vertex ${vertex.id}: a PristineContainer needs image`, { hint: 'a local image of the user, e.g. localhost/debian:bookworm' });
  const user = readString(vertex, 'user');
  if (user === undefined) {
    return fail('KH-DBX-NO-USER', `vertex ${vertex.id}: a PristineContainer needs user (Distrobox refuses root)`, { hint: 'set user to an unprivileged account with subordinate ids' });
  }
  const spec: PristineContainerSpec = { kind: 'pristine-container', image, user };
  const packages = readStringList(vertex, 'packages');
  if (packages) spec.packages = packages;
  const initTimeoutMs = parseDurationMs(vertex.properties.init_timeout, 'init_timeout');
  if (initTimeoutMs !== undefined) spec.initTimeoutMs = initTimeoutMs;
  return spec;
}

export const { describe, invoke } = definePlugin(
  'khutulun.distrobox',
  lifecycleHandlers({ runtime: () => 'distrobox', spec: pristineContainerSpec }),
  { version: '0.1.0' },
);
