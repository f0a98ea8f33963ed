/** `sha256:<hex>` checksums. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { artifactBadSpec } from './errors.js';

/** Returns the lowercase hex digest of a `sha256:` checksum, or throws KH-ART-BAD-SPEC. */
export function parseChecksum(source: string, checksum: string): string {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(checksum.trim());
  if (!m || m[1] === undefined) throw artifactBadSpec(source, `checksum "${checksum}" is not sha256:<64 hex digits>`);
  return m[1].toLowerCase();
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
