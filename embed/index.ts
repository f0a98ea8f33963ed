/** The embedding layer: a Khutulun host inside another Node service (embed/embedded-host.ts). */
export { startHost } from './embedded-host.js';
export type { EmbeddedHost, EmbeddedHostOptions, DeploySource, DeployResult } from './embedded-host.js';
export type { NodesListener, WatchNodesOptions } from './watch-nodes.js';
