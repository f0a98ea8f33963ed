/**
 * The store's cluster document when hosts share one Repo-level network (the agent): every host
 * derives the same document id from the cluster name and seeds it with the same genesis change, so
 * hosts that start apart converge on one document instead of rival roots (agent/cluster-doc.ts does
 * the same for membership).
 */
import { createHash } from 'node:crypto';
import * as A from '@automerge/automerge';
import { parseAutomergeUrl, stringifyAutomergeUrl } from '@automerge/automerge-repo';
import type { DocHandle, DocumentId, Repo } from '@automerge/automerge-repo';
import { initialClusterDoc } from './doc-schema.js';
import type { ClusterDoc } from './doc-schema.js';

/** Fixed actor and time: the genesis change is byte-identical on every host. */
const GENESIS_ACTOR = '6b687574756c756e2d73746f72652d67';

export function sharedClusterDocumentId(clusterName: string): DocumentId {
  const digest = createHash('sha256').update(`khutulun-store-cluster:${clusterName}`).digest();
  const binary = new Uint8Array(digest.subarray(0, 16)) as Parameters<typeof stringifyAutomergeUrl>[0];
  return parseAutomergeUrl(stringifyAutomergeUrl(binary)).documentId;
}

function genesis(): Uint8Array {
  const doc = A.change(A.init<ClusterDoc>({ actor: GENESIS_ACTOR }), { time: 0, message: 'store cluster genesis' }, (d) => {
    Object.assign(d, initialClusterDoc());
  });
  return A.save(doc);
}

/**
 * Loads the shared cluster document from the repo's storage, or seeds it with the genesis change.
 * Call it before the repo has network adapters (it then only consults local storage).
 */
export async function openSharedClusterDoc(repo: Repo, clusterName: string): Promise<DocHandle<ClusterDoc>> {
  const id = sharedClusterDocumentId(clusterName);
  try {
    return await repo.find<ClusterDoc>(id, { signal: AbortSignal.timeout(5000) });
  } catch {
    return repo.import<ClusterDoc>(genesis(), { docId: id });
  }
}
