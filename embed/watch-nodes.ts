/**
 * The custom-controller hook of the embedding API: the nodes of one deployment (optionally only
 * those of a TOSCA type) handed to a listener now and again whenever the deployment changes — a
 * node transition or a deployment event — at most every `everyMs` (default 200 ms). The listener
 * reacts by writing desired state (scale, update); it never runs twice at once, and a change seen
 * while it runs gives one more call afterwards (nothing is missed, nothing piles up).
 */
import type { AgentEvent, GraphNode } from '../agent/index.js';

export interface WatchNodesOptions {
  /** Only nodes of this TOSCA type (as the template names it, e.g. `Process`). */
  type?: string;
  everyMs?: number;
}

export type NodesListener = (nodes: GraphNode[]) => void | Promise<void>;

export function watchNodes(
  deployment: string,
  read: () => Promise<GraphNode[]>,
  subscribe: (listener: (e: AgentEvent) => void) => () => void,
  listener: NodesListener,
  options: WatchNodesOptions = {},
  onError: (error: unknown) => void = () => undefined,
): () => void {
  let stopped = false;
  let running = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    timer = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const nodes = (await read()).filter((n) => options.type === undefined || n.type === options.type);
      if (!stopped) await listener(nodes);
    } catch (error) {
      onError(error);
    } finally {
      running = false;
      if (again && !stopped) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = (): void => {
    timer ??= setTimeout(() => void run(), options.everyMs ?? 200);
  };
  const off = subscribe((e) => {
    if (e.deployment === deployment) schedule();
  });
  void run();
  return () => {
    stopped = true;
    off();
    if (timer) clearTimeout(timer);
  };
}
