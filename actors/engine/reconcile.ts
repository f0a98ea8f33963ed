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
  /** Day 2: the vertex runs an older spec generation than desired (it is configured + started again). */
  readonly stale?: (vertex: string) => boolean;
  /** Day 2: an update removed the vertex: its own goal is `undeployed`, then it leaves the document. */
  readonly retired?: (vertex: string) => boolean;
  /** How many local vertexes may be under update at once (rolling update; default unlimited). */
  readonly updateBudget?: number;
}

export interface ReconcilePlan {
  /** Local vertexes to send their goal to now (the deployment's, or `undeployed` when retired). */
  readonly send: readonly string[];
  /** Local retired vertexes that are gone: remove them from the document. */
  readonly remove: readonly string[];
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

/** The goal of one vertex: the deployment's, unless an update retired it. */
function goalOf(input: ReconcileInput, v: string): Goal {
  return input.retired?.(v) ? 'undeployed' : input.goal;
}

/** A vertex is at its goal when its phase is, and (deployed) it runs the desired spec generation. */
function atOwnGoal(input: ReconcileInput, v: string): boolean {
  const goal = goalOf(input, v);
  return atGoal(goal, input.phase(v)) && (goal !== 'deployed' || !input.stale?.(v));
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
  const remove: string[] = [];
  const failed: string[] = [];
  const waiting = new Map<string, string[]>();
  let done = true;
  // Rolling update: local vertexes already under update use up the budget first.
  let budget = input.updateBudget ?? Number.POSITIVE_INFINITY;
  for (const v of input.vertexes) {
    if (input.local(v) && goalOf(input, v) === 'deployed' && input.stale?.(v) && input.actor(v)?.busy) budget--;
  }
  for (const v of [...input.vertexes].sort()) {
    const phase = input.phase(v);
    const goal = goalOf(input, v);
    if (atOwnGoal(input, v)) {
      if (goal !== input.goal) {
        // Retired and gone: its owner removes it; the deployment is done once it left.
        done = false;
        if (input.local(v)) remove.push(v);
      }
      continue;
    }
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
    const before = (goal === 'deployed' ? requires : requiredBy).get(v) ?? new Set<string>();
    const blockers = [...before].filter((d) => (goal === 'deployed' ? !atOwnGoal(input, d) : !atGoal('undeployed', input.phase(d)))).sort();
    if (blockers.length > 0) {
      waiting.set(v, blockers);
      continue;
    }
    if (!input.local(v)) {
      waiting.set(v, []);
      continue;
    }
    const actor = input.actor(v);
    if (actor && actor.goal === goal && actor.busy) {
      waiting.set(v, []);
      continue;
    }
    if (goal === 'deployed' && phase === 'started' && input.stale?.(v)) {
      if (budget <= 0) {
        waiting.set(v, []);
        continue;
      }
      budget--;
    }
    send.push(v);
    waiting.set(v, []);
  }
  return { send, remove, done, failed, waiting };
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const s = map.get(key);
  if (s) s.add(value);
  else map.set(key, new Set([value]));
}
