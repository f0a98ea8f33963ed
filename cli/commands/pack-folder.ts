/**
 * A CSAR folder (an unpacked archive: TOSCA.meta, or one service template at its top, beside its
 * scripts and plugin components) packed into a zip for the agent's API, so `deploy DIR` sends the
 * files the template refers to along with it. Hidden entries and node_modules stay behind; the
 * size is checked before anything is sent.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { zipSync } from 'fflate';
import { KhutulunError } from '../../common/index.js';

/** The largest folder `deploy DIR` packs (the agent's request limit is 8 MiB of base64 by default). */
export const MAX_PACKED_BYTES = 6 * 1024 * 1024;

export function packFolder(dir: string, maxBytes = MAX_PACKED_BYTES): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  let total = 0;
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const path = join(at, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        total += st.size;
        if (total > maxBytes) {
          throw new KhutulunError('KH-CLI-PACK', `${dir} holds more than ${maxBytes} bytes of files to send`, {
            hint: 'keep only the template and the files it refers to in the folder, or make a CSAR with only those',
          });
        }
        files[relative(dir, path)] = readFileSync(path);
      }
    }
  };
  walk(dir);
  return zipSync(files, { level: 6 });
}
