/** Benchmark registry: each layer's benchmarks live in their own file and are listed here. */
import type { Benchmark } from './types.js';
import { storeCreate } from './store-create.js';
import { storeWrite } from './store-write.js';
import { storeLoad } from './store-load.js';
import { storeSync } from './store-sync.js';
import { storeMemory } from './store-memory.js';
import { schedulerPlaceBenchmark } from './scheduler-place.js';
import { pluginsCalls } from './plugins-calls.js';
import { processStart } from './runtimes-process.js';
import { containerStart } from './runtimes-container.js';
import { ovnWire } from './ovn-wire.js';
import { clusterSyncLatency, clusterSyncReconverge } from './cluster-sync.js';
import { clusterSyncActor } from './cluster-actor-hop.js';
import { pipelineNoop } from './pipeline-noop.js';
import { actorsMemory } from './actors-memory.js';
import { toscaK8sProfileBench } from './tosca-k8s-profile.js';
import { toscaConformanceBench } from './tosca-conformance.js';
import { toscaCompile1k } from './tosca-compile.js';
import { updateBench } from './update.js';
import { pluginsCold } from './plugins-cold.js';
import { pluginsDistribute } from './plugins-distribute.js';
import { toscaVsToscaParser } from './tosca-vs-tosca-parser.js';
import { upVsPm2 } from './up-vs-pm2.js';
import { agentIdle } from './agent-idle.js';

export const benchmarks: Benchmark[] = [storeCreate, storeWrite, storeLoad, storeSync, storeMemory, clusterSyncLatency, clusterSyncActor, clusterSyncReconverge, pipelineNoop, actorsMemory, toscaK8sProfileBench, toscaConformanceBench, toscaCompile1k, toscaVsToscaParser, processStart, pluginsCalls, pluginsCold, pluginsDistribute, containerStart, ovnWire, schedulerPlaceBenchmark, updateBench, upVsPm2, agentIdle];
