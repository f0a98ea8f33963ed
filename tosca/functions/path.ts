/**
 * TOSCA Path (§10.3): resolves `<tosca_path>` arguments to node, relationship or capability
 * contexts. `ALL` fans out (the caller gets a list); a missing index means 0.
 */
import type { CallSite, Expression } from '../../store/index.js';
import { functionError } from './typed-values.js';
import type { ToscaContext, ToscaGraph, ToscaNode, ToscaRelationship, ToscaCapability } from './graph.js';

export interface ResolvedPath {
  readonly contexts: readonly ToscaContext[];
  /** True when an ALL index appeared: results become a list. */
  readonly many: boolean;
  /** Arguments after the path (e.g. property name and nested keys). */
  readonly rest: readonly Expression[];
}

type Idx = { all: true } | { all: false; index: number };

function readIdx(args: readonly Expression[], at: number): [Idx, number] {
  const a = args[at];
  if (a === 'ALL') return [{ all: true }, at + 1];
  if (typeof a === 'bigint') {
    if (a < 0n) throw functionError('KH-TOSCA-PATH', `TOSCA path index ${a} is negative`, 'indexes start at 0');
    return [{ all: false, index: Number(a) }, at + 1];
  }
  return [{ all: false, index: 0 }, at];
}

function pick<T>(fn: string, items: readonly T[], idx: Idx, what: string): T[] {
  if (idx.all) return [...items];
  const item = items[idx.index];
  if (item === undefined) {
    throw functionError('KH-TOSCA-PATH', `${fn}: ${what} has no entry at index ${idx.index} (it has ${items.length})`);
  }
  return [item];
}

function name(fn: string, args: readonly Expression[], at: number, what: string): string {
  const v = args[at];
  if (typeof v !== 'string') throw functionError('KH-TOSCA-PATH', `${fn}: expected a ${what} name in the TOSCA path at argument ${at + 1}`);
  return v;
}

export function resolvePath(fn: string, graph: ToscaGraph, site: CallSite, args: readonly Expression[]): ResolvedPath {
  const first = args[0];
  if (typeof first !== 'string') {
    throw functionError('KH-TOSCA-PATH', `${fn}: the TOSCA path must start with SELF or a node template name`);
  }
  let many = false;
  let at = 1;
  let contexts: ToscaContext[];
  if (first === 'SELF') {
    const self = graph.self(site);
    if (!self) throw functionError('KH-TOSCA-PATH', `${fn}: SELF has no meaning here`, 'use SELF inside a node or relationship template');
    contexts = [self];
  } else if (first === 'HOST' || first === 'SOURCE' || first === 'TARGET') {
    // TOSCA 1.x keywords (Simple Profile 1.3, 4.1): HOST is the node SELF is hosted on (its `host`
    // requirement, as the normative types name it); SOURCE/TARGET are a relationship's ends.
    const self = graph.self(site);
    if (!self) throw functionError('KH-TOSCA-PATH', `${fn}: ${first} has no meaning here`, 'use it inside a node or relationship template');
    if (first === 'HOST') {
      const node = self.kind === 'node' ? self : self.kind === 'relationship' ? self.source() : undefined;
      const host = node?.relationships('host')[0]?.target();
      if (!host) throw functionError('KH-TOSCA-PATH', `${fn}: HOST: this node has no fulfilled "host" requirement`, 'add a host requirement');
      contexts = [host];
    } else {
      if (self.kind !== 'relationship') throw functionError('KH-TOSCA-PATH', `${fn}: ${first} is only meaningful in a relationship`);
      contexts = [first === 'SOURCE' ? self.source() : self.target()];
    }
  } else {
    const nodes = graph.nodes(first);
    if (nodes.length === 0) throw functionError('KH-TOSCA-PATH', `${fn}: no node template named "${first}"`, 'check the node template name');
    const [idx, next] = readIdx(args, at);
    at = next;
    many ||= idx.all;
    contexts = pick(fn, nodes, idx, `node template "${first}"`);
  }
  // Walk the grammar; each step maps every current context (ALL fans out).
  for (;;) {
    const kind = contexts[0]?.kind;
    const word = args[at];
    if (kind === 'node' && word === 'RELATIONSHIP') {
      const req = name(fn, args, at + 1, 'requirement');
      const [idx, next] = readIdx(args, at + 2);
      many ||= idx.all;
      contexts = contexts.flatMap((c) => pick(fn, (c as ToscaNode).relationships(req), idx, `requirement "${req}"`));
      at = next;
    } else if (kind === 'node' && word === 'CAPABILITY') {
      const cap = name(fn, args, at + 1, 'capability');
      contexts = contexts.map((c) => {
        const found = (c as ToscaNode).capability(cap);
        if (!found) throw functionError('KH-TOSCA-PATH', `${fn}: node "${(c as ToscaNode).template}" has no capability "${cap}"`);
        return found;
      });
      at += 2;
    } else if (kind === 'relationship' && (word === 'SOURCE' || word === 'TARGET')) {
      contexts = contexts.map((c) => (word === 'SOURCE' ? (c as ToscaRelationship).source() : (c as ToscaRelationship).target()));
      at += 1;
    } else if (kind === 'relationship' && word === 'CAPABILITY') {
      contexts = contexts.map((c) => {
        const cap = (c as ToscaRelationship).capability();
        if (!cap) throw functionError('KH-TOSCA-PATH', `${fn}: relationship "${(c as ToscaRelationship).requirement}" has no target capability`);
        return cap;
      });
      at += 1;
    } else if (kind === 'capability' && word === 'RELATIONSHIP') {
      const [idx, next] = readIdx(args, at + 1);
      many ||= idx.all;
      contexts = contexts.flatMap((c) => pick(fn, (c as ToscaCapability).incoming(), idx, `capability "${(c as ToscaCapability).name}"`));
      at = next;
    } else break;
  }
  // TOSCA 1.x (Simple Profile 1.3, 4.4.2): `[ <node>, <capability_or_requirement>, <property> ]`.
  // Only when the node has no property of that name, so a 2.0 path keeps its meaning (a nested key).
  const word = args[at];
  if (contexts.length > 0 && contexts.every((c) => c.kind === 'node') && typeof word === 'string' && args.length > at + 1) {
    const nodes = contexts as ToscaNode[];
    if (nodes.every((n) => n.property(word) === undefined)) {
      const caps = nodes.map((n) => n.capability(word));
      if (caps.every((c) => c !== undefined)) return { contexts: caps as ToscaCapability[], many, rest: args.slice(at + 1) };
      const rels = nodes.map((n) => n.relationships(word));
      if (rels.every((r) => r.length > 0)) {
        // As OpenStack's tosca-parser reads it: the target's capability of the requirement's name
        // (host -> host), else the target node.
        const targets: ToscaContext[] = rels.map((r) => {
          const t = r[0]!.target();
          return t.capability(word) ?? t;
        });
        return { contexts: targets, many, rest: args.slice(at + 1) };
      }
    }
  }
  return { contexts, many, rest: args.slice(at) };
}

/** Follows nested names/indexes into a value (`[prop, key, 0, …]`). */
export function dig(fn: string, value: Expression | undefined, keys: readonly Expression[]): Expression | undefined {
  let v = value;
  for (const key of keys) {
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) {
      if (typeof key !== 'bigint') throw functionError('KH-TOSCA-FN-TYPE', `${fn}: a list needs an integer index, got ${String(key)}`);
      v = (v as readonly Expression[])[Number(key)];
    } else if (typeof v === 'object' && !(v instanceof Uint8Array) && (v as { $?: string }).$ === 'map') {
      const entries = (v as { entries: ReadonlyArray<readonly [Expression, Expression]> }).entries;
      const hit = entries.find(([k]) => k === key);
      v = hit?.[1];
    } else if (typeof v === 'object' && !(v instanceof Uint8Array) && (v as { $?: string }).$ === 'custom') {
      v = dig(fn, (v as { value: Expression }).value, [key]);
    } else {
      throw functionError('KH-TOSCA-FN-TYPE', `${fn}: cannot index into a ${typeof v} with ${String(key)}`);
    }
  }
  return v;
}
