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
