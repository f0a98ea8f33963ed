/** Benchmark registry: each layer's benchmarks live in their own file and are listed here. */
import type { Benchmark } from './types.js';

export const benchmarks: Benchmark[] = [];
