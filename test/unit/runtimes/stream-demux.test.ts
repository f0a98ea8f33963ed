/** The Docker stream framing read incrementally (followed logs arrive in arbitrary pieces). */
import { describe, expect, it } from 'vitest';
import { StreamDemuxer, demuxDockerStream } from '../../../runtimes/container/stream-demux.js';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('StreamDemuxer', () => {
  it('splits frames cut at any byte into stdout and stderr pieces', () => {
    const all = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, 'bye\n')]);
    for (let cut = 1; cut < all.length; cut++) {
      const d = new StreamDemuxer();
      const out = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut)), ...d.flush()];
      expect(out.map((c) => `${c.stream}:${c.text}`).join('')).toBe('stdout:hello\nstderr:oops\nstdout:bye\n');
    }
    expect(demuxDockerStream(all)).toEqual({ stdout: 'hello\nbye\n', stderr: 'oops\n' });
  });

  it('passes a raw (TTY) stream through as stdout', () => {
    const d = new StreamDemuxer();
    expect([...d.push(Buffer.from('plain text ')), ...d.push(Buffer.from('more')), ...d.flush()].map((c) => c.text).join('')).toBe('plain text more');
  });
});
