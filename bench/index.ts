/** Benchmark registry: each layer's benchmarks live in their own file and are listed here. */
import type { Benchmark } from './types.js';
import { processStart } from './runtimes-process.js';

export const benchmarks: Benchmark[] = [processStart];
