/** The messages between the host (main thread) and its pool workers. Plain data only. */
import type { ErrorData } from '../../common/index.js';
import type { PluginCallResult, PluginManifest } from './call.js';
import type { PluginGrants } from './registration.js';

/** How a worker finds and links a registered plugin. */
export interface LoadSpec {
  id: string;
  hash: string;
  dir: string;
  imports: string[];
  grants: PluginGrants;
}

/**
 * Progress slots shared with the worker (Int32Array over a SharedArrayBuffer):
 * [0] = number of calls started (0 while loading plugins); [1] = 1 once a worker picked the task
 * up (time spent queued behind other tasks is not the plugin's fault). The host's watchdog reads
 * them to cut a stuck call without losing the rest of the batch.
 */
export const PROGRESS_STARTED = 0;
export const PROGRESS_BEGUN = 1;
export const PROGRESS_SLOTS = 2;

/**
 * A call as it travels: event and snapshot already JSON. Strings cross threads as a memcpy and go
 * straight into the component, where structured-cloning the objects cost the (single) main thread
 * several times more.
 */
export interface WireCall {
  plugin: string;
  fn: string;
  event: string;
  snapshot: string;
}

/** Per call: the plugin's validated output JSON (ok), or a failed result. */
export type WireResult = string | Extract<PluginCallResult, { ok: false }>;

export interface BatchTask {
  kind: 'batch';
  plugins: Record<string, LoadSpec>;
  calls: WireCall[];
  progress: SharedArrayBuffer;
  maxMemoryBytes: number;
}

export interface DescribeTask {
  kind: 'describe';
  plugin: LoadSpec;
  progress: SharedArrayBuffer;
}

export type WorkerTask = BatchTask | DescribeTask;

export type DescribeReply = { ok: true; manifest: PluginManifest } | { ok: false; error: ErrorData };

export type BatchReply = WireResult[];
