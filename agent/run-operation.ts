/**
 * The requesting side of an imperative run (`khutulun run NAME [NODE] OPERATION`): picks the
 * target vertexes, writes one request on each (actors/system/run-requests.ts says what the owner
 * does with it), waits for every owner's outcome and clears both keys. Any host of the cluster can
 * ask; the owners run the operation where the node lives.
 */
import type { ErrorData, Clock } from '../common/index.js';
import { KhutulunError } from '../common/index.js';
import { RUN_DONE_PREFIX, RUN_REQUEST_PREFIX, isLifecycleOperation, parseOutcome } from '../actors/index.js';
import type { RunOutcome } from '../actors/index.js';
import { formatEntityId, fromJson, readControl, toJson } from '../store/index.js';
import type { Deployment, Vertex } from '../store/index.js';

export const RunErrors = {
  /** The operation, node or workflow named does not exist (or is a lifecycle operation). */
  unknown: 'KH-RUN-UNKNOWN',
  /** A lifecycle (Standard/Configure) operation: the engine runs those. */
  lifecycle: 'KH-RUN-LIFECYCLE',
  /** At least one step failed. */
  failed: 'KH-RUN-FAILED',
} as const;

/** One operation on one node, as the owner reported it. */
export interface RunStepResult {
  /** The workflow step this call belongs to (workflows only). */
  readonly step?: string;
  readonly node: string;
  readonly host: string;
  readonly operation: string;
  readonly ok: boolean;
  readonly error?: ErrorData;
  /** Properties and attributes the operation set, new values. */
  readonly changed: Record<string, unknown>;
  readonly ms: number;
}

export interface RunResult {
  readonly deployment: string;
  readonly operation?: string;
  readonly workflow?: string;
  readonly ok: boolean;
  readonly results: readonly RunStepResult[];
}

export interface RunDeps {
  readonly clock: Clock;
  /** Unique request ids: the host id plus a counter of this process. */
  readonly newId: () => string;
  /** How long to wait for the owners (default 60 s). */
  readonly timeoutMs?: number;
}

function nodesOf(d: Deployment): Vertex[] {
  return d.query({ kind: 'vertex', directory: ['nodes'] }).filter((v) => readControl(v.metadata).retired === undefined) as Vertex[];
}

function templateOf(v: Vertex): string {
  return String(v.metadata['tosca:template'] ?? v.id.name);
}

/** The custom (non-lifecycle) operations a node implements, for messages. */
export function customOperations(v: Vertex): string[] {
  return Object.keys(v.handlers).filter((op) => !isLifecycleOperation(op)).sort();
}

/** The vertexes `node` names: a node id (`web-1`, `nodes/web-1`) or a template (all its instances). */
export function nodeTargets(d: Deployment, node: string): Vertex[] {
  const all = nodesOf(d);
  const id = node.startsWith('nodes/') ? node : `nodes/${node}`;
  const targets = all.filter((v) => formatEntityId(v.id) === id || templateOf(v) === node);
  if (targets.length === 0) {
    throw new KhutulunError(RunErrors.unknown, `${d.name} has no node ${node}`, {
      hint: `nodes: ${[...new Set(all.map((v) => formatEntityId(v.id).replace(/^nodes\//, '')))].join(', ') || '(none)'}`,
    });
  }
  return targets;
}

/**
 * The vertexes `node` names (a node id like `web-1` or `nodes/web-1`, or a template name for all its
 * instances); every node implementing the operation when `node` is undefined. Refuses what
 * cannot run, before anything is written.
 */
export function runTargets(d: Deployment, node: string | undefined, operation: string): Vertex[] {
  if (isLifecycleOperation(operation)) {
    throw new KhutulunError(RunErrors.lifecycle, `${operation} is a lifecycle operation: the engine runs it on deploy, update, scale and undeploy`, {
      hint: 'use `khutulun update`, `scale` or `undeploy`; `run` takes the operations of other interfaces',
    });
  }
  const all = nodesOf(d);
  if (node === undefined) {
    const targets = all.filter((v) => (v.handlers[operation]?.length ?? 0) > 0);
    if (targets.length === 0) {
      const known = [...new Set(all.flatMap(customOperations))];
      throw new KhutulunError(RunErrors.unknown, `no node of ${d.name} implements ${operation}`, {
        hint: known.length > 0 ? `operations you can run: ${known.join(', ')}` : 'the service defines no operations besides its lifecycle',
      });
    }
    return targets;
  }
  const targets = nodeTargets(d, node);
  const missing = targets.find((v) => (v.handlers[operation]?.length ?? 0) === 0);
  if (missing) {
    const known = customOperations(missing);
    throw new KhutulunError(RunErrors.unknown, `${formatEntityId(missing.id)} (${templateOf(missing)}) has no implementation of ${operation}`, {
      hint: known.length > 0 ? `its operations: ${known.join(', ')}` : 'its type defines no operations besides its lifecycle',
    });
  }
  return targets;
}

/**
 * Runs `operation` on each target through its owner and returns every outcome (in target order).
 * Never throws for a failed operation: a failure is a result; a missing answer is a retryable
 * timeout result naming the host that did not answer.
 */
export async function runOnTargets(d: Deployment, targets: readonly Vertex[], operation: string, inputs: Record<string, unknown>, deps: RunDeps, step?: string): Promise<RunStepResult[]> {
  const id = deps.newId();
  const requestKey = `${RUN_REQUEST_PREFIX}${id}`;
  const doneKey = `${RUN_DONE_PREFIX}${id}`;
  const ids = targets.map((v) => formatEntityId(v.id));
  const request = fromJson({ id, operation, inputs, at: deps.clock.now() });
  await Promise.all(targets.map((v) => d.setProperty(v.id, requestKey, request)));
  await d.flush();
  const started = deps.clock.now();
  const outcomes = new Map<string, RunOutcome>();
  const collect = (): boolean => {
    for (const vid of ids) {
      if (outcomes.has(vid)) continue;
      const raw = d.get('vertex', vid)?.properties[doneKey]?.value;
      const outcome = raw !== undefined ? parseOutcome(toJson(raw)) : undefined;
      if (outcome?.id === id) outcomes.set(vid, outcome);
    }
    return outcomes.size === ids.length;
  };
  if (!collect()) {
    await new Promise<void>((resolve) => {
      const timer = deps.clock.setTimeout(() => finish(), deps.timeoutMs ?? 60_000);
      const off = d.subscribe(() => {
        if (collect()) finish();
      });
      function finish(): void {
        timer.cancel();
        off();
        resolve();
      }
    });
  }
  // Both keys go: the outcome was read (or its owner did not answer; a late answer is dropped).
  await Promise.all(
    targets.flatMap((v) => [d.deleteProperty(v.id, requestKey).catch(() => undefined), outcomes.has(formatEntityId(v.id)) ? d.deleteProperty(v.id, doneKey).catch(() => undefined) : Promise.resolve()]),
  );
  await d.flush();
  return targets.map((v, i) => {
    const vid = ids[i]!;
    const o = outcomes.get(vid);
    const node = vid.replace(/^nodes\//, '');
    if (!o) {
      const owner = v.owner ?? 'its owner';
      return {
        ...(step !== undefined ? { step } : {}),
        node,
        host: owner,
        operation,
        ok: false,
        error: { code: 'KH-RUN-TIMEOUT', message: `host ${owner} did not report ${operation} on ${node} within ${deps.clock.now() - started} ms`, retryable: true, hint: `check that host ${owner} is connected (khutulun hosts); run again to retry` },
        changed: {},
        ms: deps.clock.now() - started,
      };
    }
    return { ...(step !== undefined ? { step } : {}), node, host: o.host, operation, ok: o.ok, ...(o.error ? { error: o.error } : {}), changed: o.changed, ms: o.ms };
  });
}
