/** Benchmark registry: each layer's benchmarks live in their own file and are listed here. */
import type { Benchmark } from './types.js';
import { pluginsCalls } from './plugins-calls.js';
import { processStart } from './runtimes-process.js';
import { containerStart } from './runtimes-container.js';
import { clusterSyncLatency, clusterSyncReconverge } from './cluster-sync.js';
import { pipelineNoop } from './pipeline-noop.js';
import { actorsMemory } from './actors-memory.js';
import { toscaK8sProfileBench } from './tosca-k8s-profile.js';
import { toscaConformanceBench } from './tosca-conformance.js';

export const benchmarks: Benchmark[] = [clusterSyncLatency, clusterSyncReconverge, pipelineNoop, actorsMemory, toscaK8sProfileBench, toscaConformanceBench, processStart, pluginsCalls, containerStart];
