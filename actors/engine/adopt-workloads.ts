/**
 * What runs is what the document says, at a host's start: every runtime re-attaches what it ran
 * before the restart (supervision goes on at once), its workloads are matched with the vertexes
 * this host owns (their state reaches the actors), a workload of a vertex another host owns now is
 * stopped, and one nothing accounts for is reported.
 */
import { asKhutulunError } from '../../common/index.js';
import type { Logger } from '../../common/index.js';
import type { RuntimeAdapter } from '../../runtimes/runtime-adapter.js';
import { ActorErrorCode, actorError } from '../errors.js';
import type { ActorSystem, DeploymentGraph } from '../system/index.js';

const LIST_TIMEOUT_MS = 5000;

export async function adoptWorkloads(graphs: readonly DeploymentGraph[], runtimes: readonly RuntimeAdapter[], system: ActorSystem, logger: Logger): Promise<void> {
  const byName = new Map(graphs.map((g) => [g.name, g] as const));
  for (const adapter of runtimes) {
    let listed: Awaited<ReturnType<typeof adapter.list>>;
    try {
      const late = new Promise<never>((_, reject) =>
        setTimeout(() => reject(actorError(ActorErrorCode.remotePending, `runtime ${adapter.name} did not list its workloads within 5 s`, { retryable: true })), LIST_TIMEOUT_MS).unref?.(),
      );
      listed = await Promise.race([adapter.list(), late]);
    } catch (error) {
      // A backend that is down re-attaches once it answers; a coded, final error (a corrupt
      // state file) stops the start: its workloads would otherwise run unsupervised, silently.
      const e = asKhutulunError(error);
      if (e.retryable) continue;
      throw e;
    }
    for (const w of listed) {
      const slash = w.id.indexOf('/');
      const graph = slash > 0 ? byName.get(w.id.slice(0, slash)) : undefined;
      const vertex = graph?.vertexes.get(w.id.slice(slash + 1).split('#')[0]!);
      if (!graph || !vertex) {
        logger.log('warn', 'a workload runs that no deployment of this host accounts for', { runtime: adapter.name, workload: w.id, state: w.state });
        continue;
      }
      if (!system.owns(vertex.owner)) {
        logger.log('warn', 'stopping a workload of a vertex another host owns now', { runtime: adapter.name, workload: w.id, owner: vertex.owner });
        await adapter.remove(w.id).catch((error: unknown) => logger.log('error', 'cannot stop a workload this host no longer owns', { workload: w.id, error: String(error) }));
        continue;
      }
      system.runtimeObserved(w.id, { type: 'runtime-observed', state: w.state, ...(w.cause ? { cause: w.cause } : {}) });
    }
  }
}
