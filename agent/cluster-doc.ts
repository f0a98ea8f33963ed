/**
 * The cluster document: one small Automerge document shared by every host (membership and the
 * index of deployments). Every host derives the same document id from the cluster name and seeds
 * it with the same genesis change, so two hosts that start apart converge on one document instead
 * of two rival roots.
 */
import { createHash } from 'node:crypto';
import * as A from '@automerge/automerge';
import { parseAutomergeUrl, stringifyAutomergeUrl } from '@automerge/automerge-repo';
import type { DocumentId } from '@automerge/automerge-repo';

export interface HostCapacity {
  cpus: number;
  memoryBytes: number;
}

export interface HostRecord {
  id: string;
  name: string;
  /** `host:port` addresses other agents can dial. */
  addresses: string[];
  labels: Record<string, string>;
  capacity: HostCapacity;
  startedAt: number;
  /** Heartbeat written by the host itself (its own clock). */
  lastSeen: number;
  /** Host ids this host is directly connected to, as of its last heartbeat. */
  peers: string[];
  /** What the host can run (`runtime:podman`, ...); absent in records of older agents. */
  capabilities?: string[];
}

export interface DeploymentRef {
  name: string;
  /** automerge URL of the deployment's own document. */
  docUrl: string;
  /** Hosts with a role in the deployment (they receive its document). */
  hosts: string[];
  createdAt: number;
  createdBy: string;
  /** Blob document id of each plugin the deployment ships -> hosts that own a node using it. */
  plugins?: Record<string, string[]>;
}

export interface ClusterDoc {
  version: number;
  hosts: Record<string, HostRecord>;
  deployments: Record<string, DeploymentRef>;
  /** The operator's grant allowlist: plugin name -> grants it may have (absent: none). */
  pluginGrants?: Record<string, string[]>;
}

/** Fixed actor and time: the genesis change is byte-identical on every host. */
const GENESIS_ACTOR = '6b687574756c756e2d67656e65736973';

export function clusterDocumentId(clusterName: string): DocumentId {
  const digest = createHash('sha256').update(`khutulun-cluster:${clusterName}`).digest();
  const binary = new Uint8Array(digest.subarray(0, 16)) as Parameters<typeof stringifyAutomergeUrl>[0];
  return parseAutomergeUrl(stringifyAutomergeUrl(binary)).documentId;
}

export function clusterGenesis(): Uint8Array {
  const doc = A.change(A.init<ClusterDoc>({ actor: GENESIS_ACTOR }), { time: 0, message: 'cluster genesis' }, (d) => {
    d.version = 1;
    d.hosts = {};
    d.deployments = {};
  });
  return A.save(doc);
}

/** Writes (or refreshes) this host's own membership record. Only the host itself writes it. */
export function upsertHost(doc: ClusterDoc, host: HostRecord): void {
  const existing = doc.hosts[host.id];
  if (!existing) {
    doc.hosts[host.id] = structuredClone(host);
    return;
  }
  if (existing.name !== host.name) existing.name = host.name;
  if (!sameList(existing.addresses, host.addresses)) existing.addresses = [...host.addresses];
  if (JSON.stringify(existing.labels) !== JSON.stringify(host.labels)) existing.labels = { ...host.labels };
  if (existing.capacity.cpus !== host.capacity.cpus) existing.capacity.cpus = host.capacity.cpus;
  if (existing.capacity.memoryBytes !== host.capacity.memoryBytes) existing.capacity.memoryBytes = host.capacity.memoryBytes;
  if (existing.startedAt !== host.startedAt) existing.startedAt = host.startedAt;
  if (host.capabilities && !sameList(existing.capabilities, host.capabilities)) existing.capabilities = [...host.capabilities];
  existing.lastSeen = host.lastSeen;
  if (!sameList(existing.peers, host.peers)) existing.peers = [...host.peers];
}

/** The heartbeat: one small change touching only this host's record. */
export function heartbeat(doc: ClusterDoc, hostId: string, now: number, peers: readonly string[]): void {
  const h = doc.hosts[hostId];
  if (!h) return;
  h.lastSeen = now;
  const sorted = [...peers].sort();
  if (!sameList(h.peers, sorted)) h.peers = sorted;
}

export function registerDeployment(doc: ClusterDoc, ref: DeploymentRef): void {
  doc.deployments[ref.name] = structuredClone(ref);
}

export function removeDeployment(doc: ClusterDoc, name: string): void {
  delete doc.deployments[name];
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (!a || a.length !== b.length) return false;
  return a.every((x, i) => x === b[i]);
}
