/**
 * Startup cost: a verb loads only its own module. `version` and `--help` load no other layer
 * (no Automerge, TOSCA processor, plugins or runtimes); `validate` loads the TOSCA processor but
 * not Automerge. Traced with a module resolve hook on the real CLI process.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './up-helpers.js';

function loaded(args: string[]): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', path.join(root, 'test/unit/cli/load-trace.mjs'), path.join(root, 'test/unit/cli/up-launcher.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr
    .split('\n')
    .filter((l) => l.startsWith('LOADED '))
    .map((l) => l.slice('LOADED '.length).replace(`file://${root}/`, ''));
}

describe('lazy loading of the CLI', () => {
  it('loads nothing beyond cli/ and common/ for version and --help', () => {
    for (const args of [['version'], ['--version'], ['--help'], ['logs', '--help']]) {
      const mods = loaded(args).filter((m) => !m.startsWith('test/unit/cli/'));
      expect(mods.length).toBeGreaterThan(3);
      expect(mods.filter((m) => !/^(cli|common)\//.test(m)), args.join(' ')).toEqual([]);
    }
  });

  it('loads the TOSCA processor but not Automerge for validate', () => {
    const mods = loaded(['validate', 'examples/hello-web/service.yaml']);
    expect(mods.some((m) => m.startsWith('tosca/'))).toBe(true);
    expect(mods.filter((m) => /automerge|\/store\/|^store\/|^agent\/|^plugins\//.test(m))).toEqual([]);
  });
});
