/**
 * One reconcile step of a deployment on one host, as a pure function: given the desired goal, the
 * dependency edges, every vertex's phase (live for local actors, stored for the others) and which
 * vertexes this host owns, it says which local actors to send the goal to now. Dependencies that
 * live on other hosts are waited for through their stored status (it arrives by document sync), so
 * dependency waves emerge across hosts without any host driving the others.
 *
 *   deployed:   a local vertex starts once every vertex it requires is `started`.
 *   undeployed: a local vertex stops once every vertex that requires it is `deleted`/`initial`.
 */
import type { Goal } from '../logic/index.js';
import type { DependencyEdge } from './waves.js';

export interface ReconcileInput {
  readonly goal: Goal;
  readonly vertexes: readonly string[];
  readonly edges: readonly DependencyEdge[];
  /** Current phase of every vertex. */
  readonly phase: (vertex: string) => string;
  /** Whether this host runs the vertex's actor. */
  readonly local: (vertex: string) => boolean;
  /** A local actor's current goal and whether an operation runs or waits for a retry. */
  readonly actor: (vertex: string) => { readonly goal?: Goal; readonly busy: boolean } | undefined;
  /** Whether a local vertex in `error` may be asked again (a new request since it failed). */
  readonly retry: (vertex: string) => boolean;
  /**
   * Whether another host's vertex in `error` is final for this request (its owner has seen the
   * request and did not retry it); until then it counts as in progress. Default: final.
   */
  readonly remoteFinal?: (vertex: string) => boolean;
}

export interface ReconcilePlan {
  /** Local vertexes to send the goal to now. */
  readonly send: readonly string[];
  /** Every vertex (local or not) is at the goal. */
  readonly done: boolean;
  /** Vertexes in `error` (anywhere). */
  readonly failed: readonly string[];
  /** Vertexes not at the goal and not failed, with what they wait for (empty = in progress). */
  readonly waiting: ReadonlyMap<string, readonly string[]>;
}

const GONE = new Set(['deleted', 'initial']);

export function atGoal(goal: Goal, phase: string): boolean {
  return goal === 'deployed' ? phase === 'started' : GONE.has(phase);
}

export function reconcilePlan(input: ReconcileInput): ReconcilePlan {
  const known = new Set(input.vertexes);
  const requires = new Map<string, Set<string>>();
  const requiredBy = new Map<string, Set<string>>();
  for (const e of input.edges) {
    if (!known.has(e.source) || !known.has(e.target) || e.source === e.target) continue;
    add(requires, e.source, e.target);
    add(requiredBy, e.target, e.source);
  }
  const send: string[] = [];
  const failed: string[] = [];
  const waiting = new Map<string, string[]>();
  let done = true;
  for (const v of [...input.vertexes].sort()) {
    const phase = input.phase(v);
    if (atGoal(input.goal, phase)) continue;
    done = false;
    if (phase === 'error') {
      failed.push(v);
      if (!input.local(v)) {
        if (input.remoteFinal && !input.remoteFinal(v)) waiting.set(v, []);
        continue;
      }
      if (!input.retry(v)) continue;
    }
    // Deploy waits for what v requires; undeploy waits for what requires v.
    const before = (input.goal === 'deployed' ? requires : requiredBy).get(v) ?? new Set<string>();
    const blockers = [...before].filter((d) => !atGoal(input.goal, input.phase(d))).sort();
    if (blockers.length > 0) {
      waiting.set(v, blockers);
      continue;
    }
    if (!input.local(v)) {
      waiting.set(v, []);
      continue;
    }
    const actor = input.actor(v);
    if (actor && actor.goal === input.goal && actor.busy) {
      waiting.set(v, []);
      continue;
    }
    send.push(v);
    waiting.set(v, []);
  }
  return { send, done, failed, waiting };
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const s = map.get(key);
  if (s) s.add(value);
  else map.set(key, new Set([value]));
}
