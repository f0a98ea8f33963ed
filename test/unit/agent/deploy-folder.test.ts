/**
 * `khutulun deploy DIR` against an agent: a CSAR folder travels packed, so the scripts beside its
 * template reach the agent's compiler (a script operation compiles there); the same template sent
 * as a lone YAML file is refused with the script's file named, and a folder over the size limit
 * is refused before anything is sent.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { packFolder } from '../../../cli/commands/pack-folder.js';
import { harness, TOKEN } from './helpers.js';

const SERVICE = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
interface_types:
  Maintenance:
    operations:
      backup: {}
node_types:
  Db:
    derived_from: Root
    interfaces:
      Maintenance:
        type: Maintenance
        operations:
          backup:
            implementation: scripts/backup.sh
service_template:
  node_templates:
    db:
      type: Db
`;

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: { HOME: '/nonexistent-home', KHUTULUN_TOKEN: TOKEN }, cwd });
  return { code, out, err };
}

describe('deploy DIR', () => {
  const h = harness();
  afterEach(() => h.close());

  it('packs a CSAR folder with its scripts; a lone YAML cannot bring them', async () => {
    const a = await h.start('alpha', { stateDir: h.tmp() });
    const dir = h.tmp();
    mkdirSync(join(dir, 'app', 'scripts'), { recursive: true });
    writeFileSync(join(dir, 'app', 'service.yaml'), SERVICE);
    writeFileSync(join(dir, 'app', 'scripts', 'backup.sh'), '#!/bin/sh\necho backup\n');
    mkdirSync(join(dir, 'app', 'node_modules', 'junk'), { recursive: true });
    writeFileSync(join(dir, 'app', 'node_modules', 'junk', 'big.bin'), Buffer.alloc(7 * 1024 * 1024));

    const lone = await cli(['--agent', a.url, 'deploy', join(dir, 'app', 'service.yaml'), '--name', 'lone'], dir);
    expect(lone.code).not.toBe(0);
    expect(lone.err).toContain('scripts/backup.sh');

    const folder = await cli(['--agent', a.url, 'deploy', join(dir, 'app'), '--name', 'folder'], dir);
    expect(folder.code, folder.err).toBe(0);

    writeFileSync(join(dir, 'app', 'scripts', 'huge.bin'), Buffer.alloc(7 * 1024 * 1024));
    expect(() => packFolder(join(dir, 'app'))).toThrow(expect.objectContaining({ code: 'KH-CLI-PACK' }));
    const big = await cli(['--agent', a.url, 'deploy', join(dir, 'app'), '--name', 'big'], dir);
    expect(big.code).not.toBe(0);
    expect(big.err).toContain('KH-CLI-PACK');
  }, 60_000);
});
