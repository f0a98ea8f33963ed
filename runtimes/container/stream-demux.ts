/**
 * Splits the Docker API's multiplexed stdout/stderr stream (no TTY): each frame is an 8-byte header
 * (stream type, 3 zero bytes, big-endian length) followed by the payload.
 */

export interface Demuxed {
  stdout: string;
  stderr: string;
}

export function demuxDockerStream(buffer: Buffer): Demuxed {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  // A stream that does not start with a valid header is raw (TTY mode or an engine quirk).
  if (!looksMultiplexed(buffer)) return { stdout: buffer.toString('utf8'), stderr: '' };
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    const end = Math.min(buffer.length, offset + 8 + length);
    const payload = buffer.subarray(offset + 8, end);
    if (type === 2) err.push(payload);
    else out.push(payload);
    offset = end;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

function looksMultiplexed(buffer: Buffer): boolean {
  if (buffer.length < 8) return false;
  const type = buffer[0];
  return (type === 0 || type === 1 || type === 2) && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
}

/**
 * The same framing, incrementally (a followed log or exec stream arrives in arbitrary pieces).
 * Decides on the first 8 bytes whether the stream is multiplexed or raw (TTY).
 */
export class StreamDemuxer {
  #pending: Buffer = Buffer.alloc(0);
  #raw: boolean | undefined;

  /** Feeds bytes; returns the complete pieces they finish. */
  push(bytes: Buffer): Array<{ stream: 'stdout' | 'stderr'; text: string }> {
    if (this.#raw) return bytes.length > 0 ? [{ stream: 'stdout', text: bytes.toString('utf8') }] : [];
    this.#pending = this.#pending.length === 0 ? bytes : Buffer.concat([this.#pending, bytes]);
    if (this.#raw === undefined) {
      if (this.#pending.length < 8) return [];
      this.#raw = !looksMultiplexed(this.#pending);
      if (this.#raw) {
        const all = this.#pending;
        this.#pending = Buffer.alloc(0);
        return [{ stream: 'stdout', text: all.toString('utf8') }];
      }
    }
    const out: Array<{ stream: 'stdout' | 'stderr'; text: string }> = [];
    while (this.#pending.length >= 8) {
      const length = this.#pending.readUInt32BE(4);
      if (this.#pending.length < 8 + length) break;
      const type = this.#pending[0];
      out.push({ stream: type === 2 ? 'stderr' : 'stdout', text: this.#pending.subarray(8, 8 + length).toString('utf8') });
      this.#pending = this.#pending.subarray(8 + length);
    }
    return out;
  }

  /** What is left at the end (a short raw stream, or a cut frame). */
  flush(): Array<{ stream: 'stdout' | 'stderr'; text: string }> {
    const rest = this.#pending;
    this.#pending = Buffer.alloc(0);
    if (rest.length === 0) return [];
    if (this.#raw !== false) return [{ stream: 'stdout', text: rest.toString('utf8') }];
    return rest.length > 8 ? [{ stream: rest[0] === 2 ? 'stderr' : 'stdout', text: rest.subarray(8).toString('utf8') }] : [];
  }
}
