/**
 * The ToscaGraph seam implemented over a Floria deployment: vertexes are node representations,
 * edges relationships, `capability:<cap>:<name>` properties capability data, `input:<name>` on the
 * service vertex the inputs. A property that is still to be computed reads as "not yet" (retryable)
 * so instantiation can evaluate in dependency order by repeated passes.
 */
import { KhutulunError } from '../../common/index.js';
import type { CallSite, Deployment, Edge, Expression, Vertex } from '../../store/index.js';
import { formatEntityId, isMap, mapGet } from '../../store/index.js';
import type { ToscaCapability, ToscaContext, ToscaGraph, ToscaNode, ToscaRelationship } from '../functions/index.js';
import { isScalar, scalarParts, rescale } from '../functions/index.js';

export const NOT_YET = 'KH-TOSCA-NOT-YET';

function read(props: Vertex['properties'], name: string): Expression | undefined {
  const p = props[name];
  if (!p) return undefined;
  if (p.value !== undefined) return p.value;
  if (p.updater !== undefined) throw new KhutulunError(NOT_YET, `"${name}" is not computed yet`, { retryable: true });
  return null;
}

function meta(e: { metadata: Vertex['metadata'] }, key: string): Expression | undefined {
  return e.metadata[key];
}

function index(e: { metadata: Vertex['metadata'] }): number {
  const v = meta(e, 'tosca:index');
  return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;
}

export class DeploymentGraph implements ToscaGraph {
  constructor(private readonly d: Deployment) {}

  hasInput(name: string): boolean {
    const service = this.d.get('vertex', this.d.serviceVertex);
    return service?.properties[`input:${name}`] !== undefined;
  }

  input(name: string): Expression | undefined {
    const service = this.d.get('vertex', this.d.serviceVertex);
    return service ? read(service.properties, `input:${name}`) : undefined;
  }

  nodes(template: string): readonly ToscaNode[] {
    return this.d
      .query({ kind: 'vertex', directory: ['nodes'] })
      .filter((v) => meta(v, 'tosca:template') === template)
      .sort((a, b) => index(a) - index(b))
      .map((v) => this.node(v));
  }

  self(site: CallSite): ToscaContext | undefined {
    const id = site.entity;
    if (!id) return undefined;
    if (id.kind === 'vertex') {
      const v = this.d.get('vertex', id);
      return v && v.id.directory[0] === 'nodes' ? this.node(v) : undefined;
    }
    if (id.kind === 'edge') {
      const e = this.d.get('edge', id);
      return e ? this.relationship(e) : undefined;
    }
    return undefined;
  }

  node(v: Vertex): ToscaNode {
    const path = formatEntityId(v.id);
    const fresh = (): Vertex => this.d.get('vertex', path) ?? v;
    return {
      kind: 'node',
      id: path,
      template: String(meta(v, 'tosca:template') ?? v.id.name),
      index: index(v),
      property: (name) => read(fresh().properties, name),
      attribute: (name) => read(fresh().properties, name),
      capability: (name) => {
        const caps = meta(fresh(), 'tosca:capabilities');
        if (!caps || !isMap(caps) || mapGet(caps, name) === undefined) return undefined;
        return this.capability(fresh(), name);
      },
      relationships: (req) =>
        fresh()
          .outgoing.map((e) => this.d.get('edge', e))
          .filter((e): e is Edge => e !== undefined && meta(e, 'tosca:requirement') === req)
          .sort((a, b) => index(a) - index(b))
          .map((e) => this.relationship(e)),
      artifact: (name) => {
        const arts = meta(fresh(), 'tosca:artifacts');
        if (!arts || !isMap(arts)) return undefined;
        const a = mapGet(arts, name);
        return a && isMap(a) ? mapGet(a, 'file') : undefined;
      },
    };
  }

  capability(v: Vertex, name: string): ToscaCapability {
    const path = formatEntityId(v.id);
    const incoming = (): Edge[] =>
      (this.d.get('vertex', path) ?? v).incoming
        .map((e) => this.d.get('edge', e))
        .filter((e): e is Edge => e !== undefined && meta(e, 'tosca:capability') === name)
        .sort((a, b) => (a.id.name < b.id.name ? -1 : a.id.name > b.id.name ? 1 : 0));
    const cap: ToscaCapability = {
      kind: 'capability',
      name,
      node: this.node(v),
      property: (p) => read((this.d.get('vertex', path) ?? v).properties, `capability:${name}:${p}`),
      attribute: (p) => read((this.d.get('vertex', path) ?? v).properties, `capability:${name}:${p}`),
      incoming: () => incoming().map((e) => this.relationship(e)),
      allocated: (p) => {
        let total: Expression | undefined;
        for (const e of incoming()) {
          const alloc = meta(e, 'tosca:allocation');
          const amount = alloc && isMap(alloc) ? mapGet(alloc, p) : undefined;
          if (amount === undefined) continue;
          total = total === undefined ? amount : add(total, amount);
        }
        return total;
      },
    };
    return cap;
  }

  relationship(e: Edge): ToscaRelationship {
    const path = formatEntityId(e.id);
    const fresh = (): Edge => this.d.get('edge', path) ?? e;
    return {
      kind: 'relationship',
      id: path,
      requirement: String(meta(e, 'tosca:requirement') ?? ''),
      index: index(e),
      source: () => this.node(this.d.require('vertex', fresh().source)),
      target: () => this.node(this.d.require('vertex', fresh().target)),
      capability: () => {
        const cap = meta(fresh(), 'tosca:capability');
        return typeof cap === 'string' ? this.capability(this.d.require('vertex', fresh().target), cap) : undefined;
      },
      property: (name) => read(fresh().properties, name),
      attribute: (name) => read(fresh().properties, name),
    };
  }
}

function add(a: Expression, b: Expression): Expression {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (isScalar(a) && isScalar(b)) return rescale(scalarParts(a), scalarParts(a).canonical + scalarParts(b).canonical);
  return a;
}
