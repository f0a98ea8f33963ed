import { describe, expect, it } from 'vitest';
import { parseYaml, ProblemSink } from '../../../tosca/index.js';
import { get, isMap } from '../../../tosca/reader/index.js';

describe('YAML reader', () => {
  it('keeps int vs float from the source and 1-based positions', () => {
    const sink = new ProblemSink();
    const { root } = parseYaml('a: 1\nb: 1.0\nc: "1"\nd: no\n', 'f.yaml', sink);
    expect(sink.count).toBe(0);
    if (!isMap(root)) throw new Error('map expected');
    expect(get(root, 'a')).toMatchObject({ value: 1, float: false });
    expect(get(root, 'b')).toMatchObject({ value: 1, float: true, pos: { line: 2, column: 4 } });
    expect(get(root, 'c')).toMatchObject({ value: '1', quoted: true });
    expect(get(root, 'd')).toMatchObject({ value: 'no' });
  });

  it('reports duplicate keys and syntax errors with positions', () => {
    const sink = new ProblemSink();
    parseYaml('a: 1\na: 2\n', 'f.yaml', sink);
    expect(sink.list()[0]).toMatchObject({ code: 'TOSCA-YAML-DUPLICATE-KEY', line: 2 });
    const s2 = new ProblemSink();
    parseYaml('a: [1, 2\n', 'g.yaml', s2);
    expect(s2.list()[0]?.code).toBe('TOSCA-YAML-SYNTAX');
  });

  it('keeps complex keys', () => {
    const sink = new ProblemSink();
    const { root } = parseYaml('? [a, b]\n: 1\n', 'f.yaml', sink);
    expect(isMap(root) && root.entries[0]?.key.kind).toBe('list');
  });

  it('stops an alias bomb with a problem instead of exhausting memory', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
    const sink = new ProblemSink();
    const { root } = parseYaml(lines.join('\n'), 'bomb.yaml', sink);
    expect(root).toBeUndefined();
    expect(sink.list()[0]?.code).toBe('TOSCA-YAML-TOO-LARGE');
  });
});
