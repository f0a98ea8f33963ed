import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../../../common/index.js';
import { PeerClientAdapter } from '../../../agent/sync-adapters.js';
import type { PeerId } from '@automerge/automerge-repo';

describe('PeerClientAdapter', () => {
  it('drops a message for a socket that is closing instead of throwing out of the repo (which killed the agent)', () => {
    const adapter = new PeerClientAdapter('10.0.0.1:7700', 'ws://10.0.0.1:7700/sync', 1000, silentLogger);
    adapter.peerId = 'h-self' as PeerId;
    const sent: unknown[] = [];
    for (const readyState of [WebSocket.CLOSING, WebSocket.CLOSED, WebSocket.CONNECTING]) {
      adapter.socket = { readyState, send: (d: unknown) => sent.push(d) } as unknown as PeerClientAdapter['socket'];
      expect(() => adapter.send({ type: 'ephemeral', senderId: 'h-self' as PeerId, targetId: 'h-peer' as PeerId, documentId: 'd' as never, data: new Uint8Array([1]), count: 1, sessionId: 's' } as never)).not.toThrow();
    }
    expect(sent).toEqual([]);
    adapter.socket = { readyState: WebSocket.OPEN, send: (d: unknown) => sent.push(d) } as unknown as PeerClientAdapter['socket'];
    adapter.send({ type: 'ephemeral', senderId: 'h-self' as PeerId, targetId: 'h-peer' as PeerId, documentId: 'd' as never, data: new Uint8Array([1]), count: 1, sessionId: 's' } as never);
    expect(sent).toHaveLength(1);
  });
});
