/** What the production DeploymentEngine (store-engine.ts) is built from: the host's store and engine, the cluster's view, limits. */
import type { DocHandle } from '@automerge/automerge-repo';
import type { Clock, Logger } from '../common/index.js';
import type { FunctionRegistry, Store } from '../store/index.js';
import type { HostEngine } from '../actors/index.js';
import type { ClusterReconciler } from './cluster-reconciler.js';
import type { ClusterDoc } from './cluster-doc.js';
import type { EventHub } from './event-hub.js';
import type { HostView } from './membership.js';
import type { PluginShipping } from './plugin-shipping.js';

export interface StoreEngineOptions {
  readonly store: Store;
  readonly engine: HostEngine;
  readonly hostId: string;
  /** Where sources sent over the API are kept (so relative imports and artifacts resolve). */
  readonly stateDir?: string;
  /** Extra profile folders for the catalog (the project's profiles/ are always there). */
  readonly profileDirs?: readonly string[];
  readonly events?: EventHub;
  /** Filled with deployment name -> source folder on deploy (LocalHost.sources: artifact paths). */
  readonly sources?: Map<string, string>;
  /** A fresh function registry (with the plugin functions) for the scratch store of a plan. */
  readonly functions: () => FunctionRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly reconciler: ClusterReconciler;
  readonly hosts: () => HostView[];
  /** The agent's cluster document: the deployment index that says who has a role where. */
  readonly doc: DocHandle<ClusterDoc>;
  /** How long undeploy waits for every host to stop its nodes (default 50 s: below the CLI's 60 s). */
  readonly undeployTimeoutMs?: number;
  /** How long `undeploy --force` waits for the owners before it removes the record (default 10 s). */
  readonly forceTimeoutMs?: number;
  /** How long undeployed deployments' history is kept (default 30 days; needs stateDir). */
  readonly historyRetentionMs?: number;
  /** Plugins shipped with services: resolved while compiling, published when applied. */
  readonly shipping?: PluginShipping;
}
