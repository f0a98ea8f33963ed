/** In-memory replicas of one deployment document, merged by hand in any order (no network). */
import * as A from '@automerge/automerge';
import { ManualClock, seededRandom } from '../../../common/index.js';
import { parseHostId, parseDeploymentName, createFunctionRegistry } from '../../../store/index.js';
import type { Vertex, Edge } from '../../../store/index.js';
import { DeploymentImpl } from '../../../store/deployment.js';
import { MemoryBackend } from '../../../store/doc-backend.js';
import { initialDeploymentDoc } from '../../../store/doc-schema.js';
import type { DeploymentDoc } from '../../../store/doc-schema.js';

export interface Replica {
  readonly index: number;
  readonly backend: MemoryBackend<DeploymentDoc>;
  readonly dep: DeploymentImpl;
  readonly clock: ManualClock;
}

export function makeReplicas(n: number, seed = 1): Replica[] {
  const base = A.from(initialDeploymentDoc('replicated', 0) as unknown as Record<string, unknown>, { actor: 'ff'.repeat(16) }) as unknown as A.Doc<DeploymentDoc>;
  const out: Replica[] = [];
  for (let i = 0; i < n; i++) {
    const actor = (i + 1).toString(16).padStart(2, '0').repeat(16);
    const backend = new MemoryBackend<DeploymentDoc>(A.clone(base, { actor }));
    const clock = new ManualClock(1_700_000_000_000 + i);
    const dep = new DeploymentImpl(parseDeploymentName('replicated'), 'memory:replicated', backend, {
      hostId: parseHostId(`h${i}`),
      clock,
      random: seededRandom(seed * 31 + i),
      functions: createFunctionRegistry(),
    });
    out.push({ index: i, backend, dep, clock });
  }
  return out;
}

/** `to` receives everything `from` has. */
export function sync(from: Replica, to: Replica): void {
  from.dep.view();
  to.dep.view();
  to.backend.merge(from.backend.doc());
}

/** Merges all replicas until every one has every change. */
export function syncAll(replicas: readonly Replica[]): void {
  const [first, ...rest] = replicas;
  if (!first) return;
  for (const r of rest) sync(r, first);
  for (const r of rest) sync(first, r);
}

/** The graph invariants the read API promises after any merge; returns the violations. */
export function invariantViolations(r: Replica): string[] {
  const problems: string[] = [];
  const vertexes = new Map<string, Vertex>(r.dep.list('vertex').map((v) => [formatPath(v), v]));
  const edges = r.dep.list('edge');
  const edgePaths = new Set(edges.map(formatPath));
  for (const e of edges) {
    const s = vertexes.get(e.source);
    const t = vertexes.get(e.target);
    if (!s || !t) problems.push(`edge ${formatPath(e)} dangles`);
    else {
      if (!s.outgoing.includes(formatPath(e))) problems.push(`source ${e.source} does not list ${formatPath(e)}`);
      if (!t.incoming.includes(formatPath(e))) problems.push(`target ${e.target} does not list ${formatPath(e)}`);
    }
  }
  for (const [p, v] of vertexes) {
    for (const e of [...v.outgoing, ...v.incoming]) if (!edgePaths.has(e)) problems.push(`vertex ${p} lists invisible edge ${e}`);
    if (v.containing !== undefined && !vertexes.has(v.containing)) problems.push(`vertex ${p} contained by missing ${v.containing}`);
    for (const c of v.contained) if (!vertexes.has(c)) problems.push(`vertex ${p} contains missing ${c}`);
  }
  return problems;
}

function formatPath(e: Vertex | Edge): string {
  return [...e.id.directory, e.id.name].join('/');
}

/** A canonical, comparable view of everything visible through the API. */
export function snapshot(r: Replica): string {
  const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
  return JSON.stringify({ v: r.dep.list('vertex'), e: r.dep.list('edge') }, replacer);
}
