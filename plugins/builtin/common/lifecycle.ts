/**
 * The Standard lifecycle shared by the workload plugins: `create` and `configure` check the
 * properties and record the workload id; `start` ensures the workload; `stop` and `delete`
 * remove it (both idempotent); `observe` asks for its state.
 */
import type { Effect } from '../../effects.js';
import type { VertexSnapshot } from '../../host/call.js';
import type { PluginHandler } from '../../sdk/define-plugin.js';
import { ensure, log, observe, remove, setProperty } from '../../sdk/effect-builders.js';
import { workloadId } from '../../sdk/read-properties.js';
import type { WorkloadSpec } from '../../../runtimes/workload.js';

export interface WorkloadKind {
  /** Which runtime adapter runs this vertex. */
  runtime(vertex: VertexSnapshot): string;
  /** The workload spec from the vertex properties; throws a coded failure when they are wrong. */
  spec(vertex: VertexSnapshot): WorkloadSpec;
}

export function lifecycleHandlers(kind: WorkloadKind): Record<string, PluginHandler> {
  const record = (vertex: VertexSnapshot, step: string): Effect[] => {
    kind.spec(vertex); // validates now, so a bad template fails at create, not at start
    const runtime = kind.runtime(vertex);
    return [
      setProperty('workload_id', workloadId(vertex)),
      // Container has a TOSCA (read-only) property `runtime` already holding it: writing it fails.
      ...(vertex.properties.runtime === runtime ? [] : [setProperty('runtime', runtime)]),
      log('debug', `${step} ${vertex.id}: properties valid`),
    ];
  };
  return {
    create: (_event, vertex) => record(vertex, 'create'),
    configure: (_event, vertex) => record(vertex, 'configure'),
    start: (_event, vertex) => [ensure(kind.runtime(vertex), workloadId(vertex), kind.spec(vertex))],
    stop: (_event, vertex) => [remove(kind.runtime(vertex), workloadId(vertex))],
    delete: (_event, vertex) => [remove(kind.runtime(vertex), workloadId(vertex))],
    observe: (_event, vertex) => [observe(kind.runtime(vertex), workloadId(vertex))],
  };
}
