/**
 * The benchmark contract every layer follows. A benchmark prints machine-readable results:
 * `{"name": "store.sync.p50", "value": 3.1, "unit": "ms", "baseline": {"name": ..., "value": ...}, "ratio": ...}`.
 * Baselines are measured in the same run so ratios hold on a noisy box.
 */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit?: string };
  /** value / baseline.value */
  ratio?: number;
  /** Free-form context (sizes, counts, targets). */
  extra?: Record<string, string | number | boolean>;
}

export interface BenchContext {
  /** A scratch directory, removed after the run. */
  tmpDir: string;
  /** Smaller sizes for a quick check (`--quick`). */
  quick: boolean;
  log: (message: string) => void;
}

export interface Benchmark {
  /** Dotted prefix, e.g. `store.create`; `--only store` selects every `store.*`. */
  name: string;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

/** Builds a result with its ratio to a same-run baseline. */
export function withBaseline(
  result: Omit<BenchResult, 'baseline' | 'ratio'>,
  baseline: { name: string; value: number; unit?: string },
): BenchResult {
  return { ...result, baseline, ratio: baseline.value === 0 ? 0 : Number((result.value / baseline.value).toFixed(4)) };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
