/**
 * Events between actors: a plugin's `emit` effect delivers a named event to another vertex of the
 * deployment (or its own), wherever that vertex's owner runs, through the document:
 *
 *   source owner:  appends to the SOURCE vertex's outbox    khutulun:outbox = [{seq, to, event, payload, at}]
 *   target owner:  sees it by sync; for each entry to a vertex it runs, in seq order, runs the
 *                  target's handlers of that event and the triggers of the policies that target it
 *                  (call_operation, set_state), then records  khutulun:inbox:<source> = seq  on the TARGET
 *   source owner:  drops the entries every target has taken (their inbox mark ≥ seq)
 *
 * In order per source, at least once: a target that crashes after running a handler and before
 * writing its mark runs it again, so handlers of emitted events must be idempotent (docs/plugins.md).
 * A handler that fails is reported on the event stream and counted as taken (a poison event must
 * not block its source for ever). Each key has one writer, so merges keep both sides. An outbox
 * holds at most OUTBOX_LIMIT entries: an emit beyond that fails the operation (retryable) rather
 * than drop an event, which is what happens while a target's host stays cut off.
 */
import type { ErrorData, Logger } from '../../common/index.js';
import { toErrorData } from '../../common/index.js';
import type { EmitEvent, JsonValue } from '../../plugins/effects.js';
import { ActorErrorCode } from '../errors.js';
import type { ActorStorePort } from '../ports.js';
import type { DeploymentGraph, OperationStep } from './deployment-graph.js';

export const OUTBOX = 'khutulun:outbox';
export const INBOX_PREFIX = 'khutulun:inbox:';
export const OUTBOX_LIMIT = 256;

interface Entry {
  seq: number;
  to: string;
  event: string;
  payload?: JsonValue;
  at: number;
}

/** What the delivery reports for the event stream: the event ran (or failed) on `vertex`. */
export interface DeliveryNotice {
  readonly deployment: string;
  readonly vertex: string;
  readonly at: number;
  readonly reason: string;
  readonly error?: ErrorData;
}

export interface EventDeliveryOptions {
  readonly store: ActorStorePort;
  readonly logger: Logger;
  readonly now: () => number;
  readonly run: (graph: DeploymentGraph, step: OperationStep) => Promise<unknown>;
  /** The vertex's lifecycle is mid-operation: its events wait (undefined = it may take them). */
  readonly busy: (deployment: string, vertex: string) => boolean;
  readonly notice: (n: DeliveryNotice) => void;
}

function entries(value: unknown): Entry[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is Entry => typeof e === 'object' && e !== null && typeof (e as Entry).seq === 'number' && typeof (e as Entry).to === 'string' && typeof (e as Entry).event === 'string');
}

function mark(graph: DeploymentGraph, target: string, source: string): number {
  const v = graph.vertexes.get(target)?.properties[`${INBOX_PREFIX}${source}`];
  return typeof v === 'number' ? v : 0;
}

export class EventDelivery {
  readonly #o: EventDeliveryOptions;
  /** `deployment|source` -> the last seq this host gave out (the outbox may not be reloaded yet). */
  readonly #seq = new Map<string, number>();
  /** `deployment|source|target` pairs being worked through (one at a time keeps the order). */
  readonly #active = new Set<string>();
  /** `deployment|source|target` -> the highest seq handled here (the mark write may not be reloaded yet). */
  readonly #handled = new Map<string, number>();

  constructor(options: EventDeliveryOptions) {
    this.#o = options;
  }

  /** Source side (the emitting vertex's owner): appends the event to the source's outbox. */
  async emit(graph: DeploymentGraph, source: string, effect: EmitEvent): Promise<void> {
    const to = effect.vertex ?? source;
    if (!graph.vertexes.has(to)) {
      throw { code: ActorErrorCode.run, message: `emit of ${effect.event}: ${graph.name} has no vertex ${to}`, retryable: false, hint: 'fix the plugin: emit to a vertex id of the deployment (e.g. nodes/db)' } satisfies ErrorData;
    }
    const v = graph.vertexes.get(source);
    // Entries every target has taken are dropped on the way.
    const kept = entries(v?.properties[OUTBOX]).filter((e) => e.seq > mark(graph, e.to, source));
    if (kept.length >= OUTBOX_LIMIT) {
      throw { code: ActorErrorCode.run, message: `the outbox of ${source} holds ${kept.length} events not taken yet`, retryable: true, hint: `the owner of ${kept[0]!.to} is not taking events (offline?): khutulun hosts` } satisfies ErrorData;
    }
    const key = `${graph.name}|${source}`;
    const seen = Math.max(this.#seq.get(key) ?? 0, ...entries(v?.properties[OUTBOX]).map((e) => e.seq), ...[...graph.vertexes.keys()].map((t) => mark(graph, t, source)));
    const seq = seen + 1;
    this.#seq.set(key, seq);
    const next: Entry[] = [...kept, { seq, to, event: effect.event, ...(effect.payload !== undefined ? { payload: effect.payload } : {}), at: this.#o.now() }];
    await this.#o.store.setProperty(graph.name, source, OUTBOX, next as unknown as JsonValue);
    graph.noteProperty(source, OUTBOX, next as unknown as JsonValue);
  }

  /** Target side: takes the events addressed to the vertexes this host runs (`local`). */
  observe(graph: DeploymentGraph, local: (vertex: string) => boolean): void {
    const work = new Map<string, Entry[]>();
    for (const source of graph.vertexes.values()) {
      for (const e of entries(source.properties[OUTBOX])) {
        if (!local(e.to)) continue;
        const pair = `${graph.name}|${source.id}|${e.to}`;
        if (e.seq <= Math.max(mark(graph, e.to, source.id), this.#handled.get(pair) ?? 0)) continue;
        (work.get(pair) ?? work.set(pair, []).get(pair)!).push(e);
      }
    }
    for (const [pair, list] of work) {
      if (this.#active.has(pair)) continue;
      const [, source, target] = pair.split('|') as [string, string, string];
      if (this.#o.busy(graph.name, target)) continue; // taken when the vertex settles (its status write reloads the graph)
      this.#active.add(pair);
      void this.#take(graph, source, target, list.sort((a, b) => a.seq - b.seq)).finally(() => this.#active.delete(pair));
    }
  }

  async #take(graph: DeploymentGraph, source: string, target: string, list: Entry[]): Promise<void> {
    const pair = `${graph.name}|${source}|${target}`;
    let last = 0;
    for (const e of list) {
      const error = await this.#handle(graph, source, target, e);
      this.#o.notice({
        deployment: graph.name,
        vertex: target,
        at: this.#o.now(),
        reason: `${e.event} from ${source}${error ? ` failed: ${error.code}: ${error.message}` : ''}`,
        ...(error ? { error } : {}),
      });
      last = e.seq;
      this.#handled.set(pair, last);
    }
    try {
      await this.#o.store.setProperty(graph.name, target, `${INBOX_PREFIX}${source}`, last);
    } catch (error) {
      // Not recorded: the events run again (at least once) after the next reload.
      this.#handled.delete(pair);
      this.#o.logger.log('warn', 'cannot record the events taken', { deployment: graph.name, vertex: target, error: String(error) });
    }
  }

  /** Runs the target's handlers of the event, then the policy triggers for it; returns the first error. */
  async #handle(graph: DeploymentGraph, source: string, target: string, e: Entry): Promise<ErrorData | undefined> {
    const inputs: Record<string, JsonValue> = { source, ...(e.payload !== undefined ? { payload: e.payload } : {}) };
    const steps: OperationStep[] = (graph.vertexes.get(target)?.handlers[e.event] ?? []).map((handler) => ({ event: e.event, handler, vertex: target, inputs }));
    const sets: string[] = [];
    for (const p of graph.policies) {
      if (!p.vertexes.includes(target)) continue;
      for (const t of p.triggers) {
        if (t.event !== e.event) continue;
        if (t.condition) {
          this.#o.notice({ deployment: graph.name, vertex: target, at: this.#o.now(), reason: `trigger ${p.name}.${t.name} not run: trigger conditions are not evaluated yet` });
          continue;
        }
        for (const a of t.actions) {
          if (a.kind === 'set_state') sets.push(a.name);
          else if (a.kind === 'call_operation') {
            for (const handler of graph.vertexes.get(target)?.handlers[a.name] ?? []) steps.push({ event: a.name, handler, vertex: target, inputs: { ...inputs, ...a.inputs } });
          } else {
            this.#o.notice({ deployment: graph.name, vertex: target, at: this.#o.now(), reason: `trigger ${p.name}.${t.name}: a ${a.kind} action is not run by triggers yet (use call_operation)` });
          }
        }
      }
    }
    try {
      for (const step of steps) await this.#o.run(graph, step);
      for (const state of sets) {
        await this.#o.store.setProperty(graph.name, target, 'state', state);
        graph.noteProperty(target, 'state', state);
      }
      return undefined;
    } catch (error) {
      return JSON.parse(JSON.stringify(toErrorData(error), (k, v: unknown) => (k === 'stack' ? undefined : v))) as ErrorData;
    }
  }
}
