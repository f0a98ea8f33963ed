/**
 * The explicit share policy: announce the cluster document to every (authenticated) peer, and a
 * deployment document only to the hosts that have a role in it. Any authenticated peer may still
 * ASK for a document it knows (e.g. `status` on a host without a role): access is granted, but
 * nothing is pushed unasked — no sync storm on connect, bounded fan-out. A plugin blob is announced
 * only to the hosts that own a node using it.
 */
import type { DocHandle, DocumentId, PeerId, Repo } from '@automerge/automerge-repo';
import { parseAutomergeUrl } from '@automerge/automerge-repo';
import type { AutomergeUrl } from '@automerge/automerge-repo';
import type { ClusterDoc } from './cluster-doc.js';

type ShareConfig = Repo['shareConfig'];

/** Pure decision: should `doc` be announced to `peer`? */
export function shouldAnnounce(
  clusterId: DocumentId,
  cluster: ClusterDoc | undefined,
  peer: string,
  doc: DocumentId | undefined,
  everyone: readonly DocumentId[] = [],
): boolean {
  if (doc === undefined || doc === clusterId || everyone.includes(doc)) return true;
  if (!cluster) return false;
  for (const ref of Object.values(cluster.deployments)) {
    if (docIdOf(ref.docUrl) === doc) return ref.hosts.includes(peer);
    // A plugin blob goes only to the hosts that own a node using it (in any deployment).
    if (ref.plugins?.[doc]?.includes(peer)) return true;
  }
  return false;
}

function docIdOf(url: string): DocumentId | undefined {
  try {
    return parseAutomergeUrl(url as AutomergeUrl).documentId;
  } catch {
    return undefined;
  }
}

/** `everyone`: other cluster-wide documents (the store's cluster document) announced to all peers. */
export function makeShareConfig(clusterId: DocumentId, everyone: readonly DocumentId[] = []): {
  config: ShareConfig;
  attach(cluster: DocHandle<ClusterDoc>, changed: () => void): void;
} {
  let handle: DocHandle<ClusterDoc> | undefined;
  let lastIndex = '';
  return {
    config: {
      announce: async (peer: PeerId, doc?: DocumentId) => shouldAnnounce(clusterId, handle?.isReady() ? handle.doc() : undefined, peer, doc, everyone),
      access: async () => true,
    },
    attach(cluster, changed) {
      handle = cluster;
      // Re-evaluate sharing only when the deployment index (who has a role where) changes.
      cluster.on('change', ({ doc }) => {
        const index = JSON.stringify(Object.values(doc.deployments).map((d) => [d.docUrl, d.hosts, d.plugins ?? {}]));
        if (index !== lastIndex) {
          lastIndex = index;
          changed();
        }
      });
    },
  };
}
