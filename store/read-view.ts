/**
 * Reads over one document version. Visibility rules that keep merges safe: an edge is visible only
 * when both endpoint vertexes exist; a vertex's outgoing/incoming/contained lists are derived from
 * the visible entities, so every visible edge is listed by both endpoints and nothing dangles.
 */
import type { EntityKind } from './ids.js';
import type { DeploymentDoc, EntityRecord } from './doc-schema.js';
import { recordOf, recordsOf, str } from './doc-schema.js';
import { decodeEntity, decodeProperty, keys } from './entity-codec.js';
import type { Adjacency } from './entity-codec.js';
import type { Entity, Vertex } from './entities.js';
import type { Query } from './api.js';
import { expressionEquals } from './expression/index.js';

interface Index {
  out: Map<string, string[]>;
  in: Map<string, string[]>;
  contained: Map<string, string[]>;
}

/**
 * Decoded entities by stored record. Automerge shares every unchanged object between document
 * versions, so a record object that is the same as before holds the same data: decoding only the
 * records a change replaced keeps reads (status polls, the actors' graph loads) O(changed). A
 * vertex also depends on its derived adjacency and on whether its container exists: those are
 * compared before a cached vertex is reused.
 */
export type DecodeCache = WeakMap<EntityRecord, Entity>;

export class ReadView {
  readonly doc: DeploymentDoc;
  #index: Index | undefined;
  readonly #cache: DecodeCache;

  constructor(doc: DeploymentDoc, cache: DecodeCache = new WeakMap()) {
    this.doc = doc;
    this.#cache = cache;
  }

  vertexExists = (path: string): boolean => recordOf(this.doc, 'vertex', path) !== undefined;

  visibleRecord(kind: EntityKind, path: string): EntityRecord | undefined {
    const rec = recordOf(this.doc, kind, path);
    if (!rec) return undefined;
    if (kind === 'edge' && !(this.vertexExists(str(rec.source) ?? '') && this.vertexExists(str(rec.target) ?? ''))) return undefined;
    return rec;
  }

  #adjacency(path: string): Adjacency {
    const ix = (this.#index ??= this.#build());
    return { outgoing: ix.out.get(path) ?? [], incoming: ix.in.get(path) ?? [], contained: ix.contained.get(path) ?? [] };
  }

  #build(): Index {
    const ix: Index = { out: new Map(), in: new Map(), contained: new Map() };
    const push = (m: Map<string, string[]>, k: string, v: string): void => {
      const l = m.get(k);
      if (l) l.push(v);
      else m.set(k, [v]);
    };
    for (const [path, rec] of recordsOf(this.doc, 'edge')) {
      const s = str(rec.source) ?? '';
      const t = str(rec.target) ?? '';
      if (!this.vertexExists(s) || !this.vertexExists(t)) continue;
      push(ix.out, s, path);
      push(ix.in, t, path);
    }
    for (const [path, rec] of recordsOf(this.doc, 'vertex')) {
      const c = str(rec.containing);
      if (c !== undefined && this.vertexExists(c)) push(ix.contained, c, path);
    }
    for (const m of [ix.out, ix.in, ix.contained]) for (const l of m.values()) l.sort();
    return ix;
  }

  get(kind: EntityKind, path: string): Entity | undefined {
    const rec = this.visibleRecord(kind, path);
    if (!rec) return undefined;
    const adj = kind === 'vertex' ? this.#adjacency(path) : undefined;
    const cached = this.#cache.get(rec);
    if (cached && (!adj || this.#sameVertex(cached as Vertex, rec, adj))) return cached;
    const entity = decodeEntity(kind, path, rec, this.vertexExists, adj);
    this.#cache.set(rec, entity);
    return entity;
  }

  /** Whether a cached vertex still has the derived parts this version gives it. */
  #sameVertex(v: Vertex, rec: EntityRecord, adj: Adjacency): boolean {
    const containing = str(rec.containing);
    const visible = containing !== undefined && this.vertexExists(containing) ? containing : undefined;
    return v.containing === visible && sameList(v.outgoing, adj.outgoing) && sameList(v.incoming, adj.incoming) && sameList(v.contained, adj.contained);
  }

  *visible(kind: EntityKind): Generator<[string, EntityRecord]> {
    for (const [path, rec] of recordsOf(this.doc, kind)) {
      if (kind === 'edge' && !(this.vertexExists(str(rec.source) ?? '') && this.vertexExists(str(rec.target) ?? ''))) continue;
      yield [path, rec];
    }
  }

  count(kind: EntityKind): number {
    let n = 0;
    for (const _ of this.visible(kind)) n++;
    return n;
  }

  list(kind: EntityKind): Entity[] {
    const paths = [...this.visible(kind)].map(([p]) => p).sort();
    return paths.map((p) => this.get(kind, p)!);
  }

  query(q: Query): Entity[] {
    const out: string[] = [];
    const dir = q.directory;
    for (const [path, rec] of this.visible(q.kind)) {
      if (dir) {
        const segs = path.split('/');
        segs.pop();
        if (q.exactDirectory ? segs.length !== dir.length : segs.length < dir.length) continue;
        if (dir.some((s, i) => segs[i] !== s)) continue;
      }
      if (q.classId !== undefined && !rec.cls?.[q.classId]) continue;
      if (q.owner !== undefined && str(rec.owner) !== q.owner) continue;
      if (q.property) {
        const text = str(rec.props?.[q.property.name]);
        if (text === undefined) continue;
        if (q.property.equals !== undefined) {
          const v = decodeProperty(text).value;
          if (v === undefined || !expressionEquals(v, q.property.equals)) continue;
        }
      }
      out.push(path);
    }
    return out.sort().map((p) => this.get(q.kind, p)!);
  }

  /** Stored link lists that disagree with the visible graph (diagnostics; the read API hides them). */
  danglingLinks(): string[] {
    const problems: string[] = [];
    for (const [path, rec] of recordsOf(this.doc, 'vertex')) {
      const adj = this.#adjacency(path);
      for (const e of keys(rec.out)) if (!adj.outgoing.includes(e)) problems.push(`vertex ${path} lists missing outgoing edge ${e}`);
      for (const e of keys(rec.in)) if (!adj.incoming.includes(e)) problems.push(`vertex ${path} lists missing incoming edge ${e}`);
    }
    for (const [path, rec] of recordsOf(this.doc, 'edge')) {
      if (!this.vertexExists(str(rec.source) ?? '') || !this.vertexExists(str(rec.target) ?? '')) problems.push(`edge ${path} has a missing endpoint`);
    }
    return problems;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}
