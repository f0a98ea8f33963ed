/**
 * Which learned hosts to dial (pure). Rules that keep the mesh calm: never dial ourselves or a host
 * we already reach; of two hosts that learn each other only the one with the smaller id dials (no
 * crossed double connections); stop at `maxPeers` outgoing connections (bounded fan-out).
 */
import type { ClusterDoc } from './cluster-doc.js';

export interface PeerPlanInput {
  selfId: string;
  cluster: Pick<ClusterDoc, 'hosts'>;
  /** Host ids we have a live sync connection with (either direction). */
  connected: ReadonlySet<string>;
  /** Addresses we already dial (explicit or learned). */
  dialing: ReadonlySet<string>;
  maxPeers: number;
}

export function learnedDials(input: PeerPlanInput): string[] {
  const budget = input.maxPeers - input.dialing.size;
  if (budget <= 0) return [];
  const out: string[] = [];
  const hosts = Object.values(input.cluster.hosts).sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const h of hosts) {
    if (out.length >= budget) break;
    if (h.id === input.selfId || input.connected.has(h.id)) continue;
    if (!(input.selfId < h.id)) continue;
    const address = h.addresses.find((a) => !input.dialing.has(a));
    if (address === undefined || h.addresses.some((a) => input.dialing.has(a))) continue;
    out.push(address);
  }
  return out;
}
