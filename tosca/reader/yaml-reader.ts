/**
 * Parses YAML text into the positioned tree (PNode). YAML 1.2 core schema, so `no` is a string and
 * timestamps stay strings; duplicate keys and syntax errors become problems; aliases are expanded
 * with a budget so an alias bomb cannot exhaust memory or time.
 */
import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, Scalar } from 'yaml';
import type { Document, Node as YNode } from 'yaml';
import { Codes, type Position, type ProblemSink } from '../problems/index.js';
import { DEFAULT_LIMITS, limitHint, type ToscaLimits } from '../limits/index.js';
import type { PEntry, PNode } from './node.js';

/** Default upper bound on nodes produced by one document, counting alias expansions. */
export const MAX_NODES = DEFAULT_LIMITS.maxYamlNodes;
/** Default upper bound on nesting depth (deeper documents are rejected with a problem, not a stack overflow). */
export const MAX_DEPTH = DEFAULT_LIMITS.maxYamlDepth;

export interface ParsedYaml {
  root: PNode | undefined;
  /** The first key of the top-level map as written (for "must be the first line" rules). */
  firstKey: string | undefined;
  /** True when a limit or a syntax error stopped the reading (a problem says which); nothing more to check. */
  limited?: boolean;
}

const INT_RE = /^[-+]?(0|[1-9][0-9]*|[0-9]+)$|^0o[0-7]+$|^0x[0-9a-fA-F]+$/;

function withAnchor<T extends PNode>(node: T, anchor: string | undefined): T {
  return anchor === undefined ? node : { ...node, anchor };
}

/** Tags of the YAML 1.2 core schema: the only ones TOSCA values may carry (5.3.1; 9.1.2.1 refuses !!timestamp). */
const CORE_TAGS = new Set(['str', 'null', 'bool', 'int', 'float', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

class Budget {
  nodes = 0;
  exceeded = false;
}

export function parseYaml(text: string, file: string, sink: ProblemSink, limits: ToscaLimits = DEFAULT_LIMITS): ParsedYaml {
  const maxNodes = limits.maxYamlNodes;
  const maxDepth = limits.maxYamlDepth;
  // Checked before parsing: the parser's time and memory grow with the text.
  if (text.length > limits.maxFileBytes) {
    sink.report({ file, line: 1, column: 1 }, Codes.Limit, `the document has ${text.length} characters, more than ${limits.maxFileBytes}: split it into imported files; ${limitHint('maxFileBytes')}`);
    return { root: undefined, firstKey: undefined, limited: true };
  }
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
  // The syntax problems say what is wrong; there is nothing more to read (not "an empty file").
  if (fatal) return { root: undefined, firstKey: undefined, limited: true };
  const budget = new Budget();
  // Alias.resolve walks the whole document; each alias node is resolved once, however often it expands.
  const targets = new Map<unknown, unknown>();
  const resolveAlias = (a: { resolve(d: Document.Parsed): unknown }): unknown => {
    if (!targets.has(a)) targets.set(a, a.resolve(doc));
    return targets.get(a);
  };
  // Expanded size of a node (aliases counted as their targets), memoized, so a bomb is refused
  // before it is expanded rather than after half a million nodes were built.
  const sizes = new Map<unknown, number>();
  const sizeOf = (n: unknown, visiting: Set<unknown>): number => {
    const known = sizes.get(n);
    if (known !== undefined) return known;
    if (visiting.has(n) || visiting.size > maxDepth) return 1;
    visiting.add(n);
    let size = 1;
    if (isAlias(n)) size = sizeOf(resolveAlias(n), visiting);
    else if (isMap(n)) for (const p of n.items) size += (isPair(p) ? sizeOf(p.key, visiting) + sizeOf(p.value, visiting) : 0);
    else if (isSeq(n)) for (const i of n.items) size += sizeOf(i, visiting);
    visiting.delete(n);
    const capped = Math.min(size, Number.MAX_SAFE_INTEGER);
    sizes.set(n, capped);
    return capped;
  };
  const convert = (n: unknown, depth: number, resolving: Set<unknown>): PNode => {
    budget.nodes++;
    if (budget.nodes > maxNodes || depth > maxDepth) {
      if (!budget.exceeded) {
        budget.exceeded = true;
        const range = (n as { range?: [number, number, number] } | null)?.range;
        sink.report(
          posAt(range?.[0]),
          Codes.YamlTooLarge,
          depth > maxDepth
            ? `the document nests deeper than ${maxDepth} levels: flatten it; ${limitHint('maxYamlDepth')}`
            : `the document expands to more than ${maxNodes} nodes (check for alias loops or alias bombs); ${limitHint('maxYamlNodes')}`,
        );
      }
      return { kind: 'scalar', value: null, float: false, quoted: false, pos: posAt(0) };
    }
    const tag = (n as { tag?: unknown } | null)?.tag;
    if (typeof tag === 'string' && !CORE_TAGS.has(tag)) {
      const shown = tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
      sink.report(
        posAt((n as { range?: [number, number, number] }).range?.[0]),
        Codes.Shape,
        `the YAML tag ${JSON.stringify(shown.slice(0, 60))} is not allowed: TOSCA values use the YAML 1.2 core schema (!!map, !!seq, !!str, !!null, !!bool, !!int, !!float); quote timestamps and write bytes as base64 strings`,
      );
    }
    if (isAlias(n)) {
      const target = resolveAlias(n);
      if (target !== undefined && budget.nodes + sizeOf(target, new Set()) > maxNodes) {
        budget.nodes = maxNodes; // the next node reports the limit with this position
      }
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
      if (typeof v === 'string' && v.length > limits.maxStringLength) {
        budget.exceeded = true;
        sink.report(pos, Codes.Limit, `this string has ${v.length} characters, more than ${limits.maxStringLength}: ship large content as an artifact file; ${limitHint('maxStringLength')}`);
        return { kind: 'scalar', value: null, float: false, quoted, pos };
      }
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
  return budget.exceeded ? { root: undefined, firstKey, limited: true } : { root, firstKey };
}
