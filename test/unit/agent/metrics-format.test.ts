/** The Prometheus text exposition and the JSON log lines (pure formatting). */
import { describe, expect, it } from 'vitest';
import { MetricsRegistry, formatLogLine } from '../../../common/index.js';

describe('metrics exposition', () => {
  it('writes counters, gauges and histograms with escaped labels', () => {
    const r = new MetricsRegistry();
    r.counter('c_total', 'A counter.').inc({ path: 'a"b\\c\nd' }, 2);
    r.gauge('g', 'A gauge.').set({}, 1.5);
    const h = r.histogram('h_seconds', 'A histogram.', [0.1, 1]);
    h.observe({ p: 'x' }, 0.05);
    h.observe({ p: 'x' }, 0.5);
    h.observe({ p: 'x' }, 5);
    expect(r.expose()).toBe(
      [
        '# HELP c_total A counter.',
        '# TYPE c_total counter',
        'c_total{path="a\\"b\\\\c\\nd"} 2',
        '# HELP g A gauge.',
        '# TYPE g gauge',
        'g 1.5',
        '# HELP h_seconds A histogram.',
        '# TYPE h_seconds histogram',
        'h_seconds_bucket{p="x",le="0.1"} 1',
        'h_seconds_bucket{p="x",le="1"} 2',
        'h_seconds_bucket{p="x",le="+Inf"} 3',
        'h_seconds_sum{p="x"} 5.55',
        'h_seconds_count{p="x"} 3',
        '',
      ].join('\n'),
    );
  });

  it('runs collectors before exposing and keeps the same metric per name', () => {
    const r = new MetricsRegistry();
    let n = 0;
    r.onCollect(() => r.gauge('live', 'Live.').replace([[{ k: 'v' }, ++n]]));
    expect(r.expose()).toContain('live{k="v"} 1');
    expect(r.expose()).toContain('live{k="v"} 2');
    expect(r.counter('same', 'x')).toBe(r.counter('same', 'x'));
  });
});

describe('log lines', () => {
  it('are one JSON object with --log-format json, text otherwise', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    expect(JSON.parse(formatLogLine('json', at, 'warn', 'peer lost', { host: 'b', n: 2 }))).toEqual({ time: '2026-01-02T03:04:05.000Z', level: 'warn', msg: 'peer lost', host: 'b', n: 2 });
    expect(formatLogLine('text', at, 'info', 'hi')).toBe('[2026-01-02T03:04:05.000Z] info: hi\n');
  });
});
