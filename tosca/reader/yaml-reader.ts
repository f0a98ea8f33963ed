/**
 * Parses YAML text into the positioned tree (PNode). YAML 1.2 core schema, so `no` is a string and
 * timestamps stay strings; duplicate keys and syntax errors become problems; aliases are expanded
 * with a budget so an alias bomb cannot exhaust memory or time.
 */
import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, Scalar } from 'yaml';
import type { Document, Node as YNode } from 'yaml';
import { Codes, type Position, type ProblemSink } from '../problems/index.js';
import type { PEntry, PNode } from './node.js';

/** Upper bound on nodes produced by one document, counting alias expansions. */
export const MAX_NODES = 500_000;
/** Upper bound on nesting depth (deeper documents are rejected with a problem, not a stack overflow). */
export const MAX_DEPTH = 200;

export interface ParsedYaml {
  root: PNode | undefined;
  /** The first key of the top-level map as written (for "must be the first line" rules). */
  firstKey: string | undefined;
}

const INT_RE = /^[-+]?(0|[1-9][0-9]*|[0-9]+)$|^0o[0-7]+$|^0x[0-9a-fA-F]+$/;

function withAnchor<T extends PNode>(node: T, anchor: string | undefined): T {
  return anchor === undefined ? node : { ...node, anchor };
}

class Budget {
  nodes = 0;
  exceeded = false;
}

export function parseYaml(text: string, file: string, sink: ProblemSink): ParsedYaml {
  const lc = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, strict: false});
  } catch (error) {
    // The yaml library reports through doc.errors; a throw here is unexpected, but must not crash.
    sink.report({ file, line: 1, column: 1 }, Codes.YamlSyntax, `cannot parse YAML: ${String(error)}`);
    return { root: undefined, firstKey: undefined };
  }
  const posAt = (offset: number | undefined): Position => {
    const p = lc.linePos(offset ?? 0);
    return { file, line: p.line, column: p.col };
  };
  let fatal = false;
  for (const e of doc.errors) {
    const dup = e.code === 'DUPLICATE_KEY';
    if (!dup) fatal = true;
    sink.report(
      posAt(e.pos[0]),
      dup ? Codes.YamlDuplicateKey : Codes.YamlSyntax,
      dup ? 'this key appears twice in the same map: keep one of them' : `YAML syntax error: ${e.message.split('\n')[0] ?? ''}`,
    );
  }
  if (fatal) return { root: undefined, firstKey: undefined };
  const budget = new Budget();
  const convert = (n: unknown, depth: number, resolving: Set<unknown>): PNode => {
    budget.nodes++;
    if (budget.nodes > MAX_NODES || depth > MAX_DEPTH) {
      if (!budget.exceeded) {
        budget.exceeded = true;
        const range = (n as { range?: [number, number, number] } | null)?.range;
        sink.report(
          posAt(range?.[0]),
          Codes.YamlTooLarge,
          depth > MAX_DEPTH
            ? `the document nests deeper than ${MAX_DEPTH} levels: flatten it`
            : `the document expands to more than ${MAX_NODES} nodes (check for alias loops or alias bombs)`,
        );
      }
      return { kind: 'scalar', value: null, float: false, quoted: false, pos: posAt(0) };
    }
    if (isAlias(n)) {
      const target = n.resolve(doc);
      if (target === undefined || resolving.has(target)) {
        sink.report(posAt(n.range?.[0]), Codes.YamlSyntax, `alias *${n.source} does not resolve (or refers to itself)`);
        return { kind: 'scalar', value: null, float: false, quoted: false, pos: posAt(n.range?.[0]) };
      }
      resolving.add(target);
      const out = convert(target, depth + 1, resolving);
      resolving.delete(target);
      return out;
    }
    if (isMap(n)) {
      const entries: PEntry[] = [];
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YNode | null;
        // YAML merge keys (`<<: *anchor`) splice the anchored map in, as most TOSCA tools accept.
        if (isScalar(keyNode) && keyNode.value === '<<' && pair.value) {
          const merged = convert(pair.value, depth + 1, resolving);
          const sources = merged.kind === 'list' ? merged.items : [merged];
          for (const s of sources) if (s.kind === 'map') for (const e of s.entries) entries.push(e);
          continue;
        }
        const key =
          keyNode === null
            ? ({ kind: 'scalar', value: null, float: false, quoted: false, pos: posAt(n.range?.[0]) } as PNode)
            : convert(keyNode, depth + 1, resolving);
        const value =
          pair.value === null || pair.value === undefined
            ? ({ kind: 'scalar', value: null, float: false, quoted: false, pos: key.pos } as PNode)
            : convert(pair.value, depth + 1, resolving);
        entries.push({ key, value });
      }
      return withAnchor({ kind: 'map', entries, pos: posAt(n.range?.[0]) }, n.anchor);
    }
    if (isSeq(n)) {
      return withAnchor({
        kind: 'list',
        items: n.items.map((i) =>
          i === null || i === undefined
            ? ({ kind: 'scalar', value: null, float: false, quoted: false, pos: posAt(n.range?.[0]) } as PNode)
            : convert(i, depth + 1, resolving),
        ),
        pos: posAt(n.range?.[0]),
      }, n.anchor);
    }
    if (isScalar(n)) {
      const pos = posAt(n.range?.[0]);
      const quoted = n.type === Scalar.QUOTE_DOUBLE || n.type === Scalar.QUOTE_SINGLE;
      const v = n.value;
      if (typeof v === 'number') {
        const raw = n.range ? text.slice(n.range[0], n.range[1]).trim() : String(v);
        return withAnchor({ kind: 'scalar', value: v, float: !INT_RE.test(raw), quoted, pos }, n.anchor);
      }
      if (typeof v === 'boolean' && n.range) {
        // 9.1.1.4: only the unquoted lowercase words are booleans; `True`, `FALSE` stay strings.
        const raw = text.slice(n.range[0], n.range[1]).trim();
        if (raw !== 'true' && raw !== 'false') return withAnchor({ kind: 'scalar', value: raw, float: false, quoted, pos }, n.anchor);
      }
      if (typeof v === 'bigint') return { kind: 'scalar', value: Number(v), float: false, quoted, pos };
      if (typeof v === 'string' || typeof v === 'boolean' || v === null) {
        return withAnchor({ kind: 'scalar', value: v, float: false, quoted, pos }, n.anchor);
      }
      return { kind: 'scalar', value: String(v), float: false, quoted, pos };
    }
    return { kind: 'scalar', value: null, float: false, quoted: false, pos: posAt(0) };
  };
  const contents = doc.contents;
  if (contents === null) return { root: undefined, firstKey: undefined };
  const root = convert(contents, 0, new Set());
  let firstKey: string | undefined;
  if (isMap(contents)) {
    const first = contents.items[0];
    if (first && isScalar(first.key)) firstKey = String(first.key.value);
  }
  return { root: budget.exceeded ? undefined : root, firstKey };
}
