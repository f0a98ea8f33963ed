/**
 * Counters, gauges and histograms with labels, written in the Prometheus text exposition format
 * (version 0.0.4). Hand-written (no dependency): the agent exposes a few dozen series. Layers
 * record into `defaultMetrics` (as prom-client's default registry); an embedder may read it too.
 * Label values are escaped; series per metric are capped so a label bug cannot grow memory.
 */

export type Labels = Readonly<Record<string, string>>;

const MAX_SERIES = 2000;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function key(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`)
    .join(',');
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isNaN(v) ? 'NaN' : String(v);
}

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  lines(): string[];
}

abstract class Series<T> implements Metric {
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  protected readonly series = new Map<string, { labels: string; value: T }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  protected slot(labels: Labels, init: () => T): { labels: string; value: T } | undefined {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      if (this.series.size >= MAX_SERIES) return undefined;
      s = { labels: k, value: init() };
      this.series.set(k, s);
    }
    return s;
  }

  abstract lines(): string[];
}

export class Counter extends Series<number> {
  readonly type = 'counter' as const;
  inc(labels: Labels = {}, by = 1): void {
    const s = this.slot(labels, () => 0);
    if (s && by >= 0) s.value += by;
  }
  get(labels: Labels = {}): number {
    return this.series.get(key(labels))?.value ?? 0;
  }
  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${s.labels ? `{${s.labels}}` : ''} ${num(s.value)}`);
  }
}

export class Gauge extends Series<number> {
  readonly type = 'gauge' as const;
  set(labels: Labels, value: number): void {
    const s = this.slot(labels, () => 0);
    if (s) s.value = value;
  }
  /** Replaces every series at once (a gauge computed from a snapshot, e.g. actors by state). */
  replace(values: ReadonlyArray<[Labels, number]>): void {
    this.series.clear();
    for (const [labels, v] of values) this.set(labels, v);
  }
  get(labels: Labels = {}): number {
    return this.series.get(key(labels))?.value ?? 0;
  }
  lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${s.labels ? `{${s.labels}}` : ''} ${num(s.value)}`);
  }
}

interface Buckets {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Series<Buckets> {
  readonly type = 'histogram' as const;
  constructor(
    name: string,
    help: string,
    readonly bounds: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ) {
    super(name, help);
  }
  observe(labels: Labels, value: number): void {
    const s = this.slot(labels, () => ({ counts: this.bounds.map(() => 0), sum: 0, count: 0 }));
    if (!s) return;
    this.bounds.forEach((b, i) => {
      if (value <= b) s.value.counts[i]!++;
    });
    s.value.sum += value;
    s.value.count++;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const s of this.series.values()) {
      const with_ = (extra: string): string => `{${[s.labels, extra].filter(Boolean).join(',')}}`;
      this.bounds.forEach((b, i) => out.push(`${this.name}_bucket${with_(`le="${num(b)}"`)} ${s.value.counts[i]}`));
      out.push(`${this.name}_bucket${with_('le="+Inf"')} ${s.value.count}`);
      out.push(`${this.name}_sum${s.labels ? `{${s.labels}}` : ''} ${num(s.value.sum)}`);
      out.push(`${this.name}_count${s.labels ? `{${s.labels}}` : ''} ${s.value.count}`);
    }
    return out;
  }
}

export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();
  readonly #collectors = new Set<() => void>();

  #get<M extends Metric>(name: string, make: () => M): M {
    const m = this.#metrics.get(name);
    if (m) return m as M;
    const made = make();
    this.#metrics.set(name, made);
    return made;
  }

  counter(name: string, help: string): Counter {
    return this.#get(name, () => new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.#get(name, () => new Gauge(name, help));
  }
  histogram(name: string, help: string, bounds?: readonly number[]): Histogram {
    return this.#get(name, () => new Histogram(name, help, bounds));
  }

  /** Runs before each exposition (gauges computed from a snapshot). Returns the removal. */
  onCollect(collect: () => void): () => void {
    this.#collectors.add(collect);
    return () => void this.#collectors.delete(collect);
  }

  /** The Prometheus text format (`text/plain; version=0.0.4`). */
  expose(): string {
    for (const c of this.#collectors) {
      try {
        c();
      } catch {
        // a broken collector leaves its gauges as they were
      }
    }
    const out: string[] = [];
    for (const m of this.#metrics.values()) {
      out.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${m.type}`, ...m.lines());
    }
    return out.join('\n') + '\n';
  }
}

/** The process-wide registry the layers record into. */
export const defaultMetrics = new MetricsRegistry();

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
