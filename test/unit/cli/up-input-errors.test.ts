import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/main.js';

/** The likely first mistakes with `up`: a wrong path, a typo in a type, an unknown input. */
async function up(args: string[]): Promise<{ code: number; err: string }> {
  const state = mkdtempSync(join(tmpdir(), 'kh-up-bad-'));
  let err = '';
  try {
    const code = await main(['up', ...args, '--state', state], { stdout: () => {}, stderr: (t) => void (err += t) });
    return { code, err };
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

describe('khutulun up with bad input', () => {
  it('a missing file is an I/O error: exit 2, coded, says which file', async () => {
    const r = await up(['/nonexistent/service.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/KH-AGENT-SOURCE.*TOSCA-IO-READ.*\/nonexistent\/service\.yaml/);
  });

  it('an unknown type is invalid input: exit 1 with file:line:column and the code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kh-up-bad-'));
    const file = join(dir, 'service.yaml');
    writeFileSync(file, 'tosca_definitions_version: tosca_2_0\nservice_template:\n  node_templates:\n    web:\n      type: Proces\n');
    try {
      const r = await up([file]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/service\.yaml:5:13: TOSCA-TYPE-UNKNOWN/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown --input names the inputs the service has', async () => {
    const r = await up(['examples/hello-web/service.yaml', '--input', 'nope=1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/TOSCA-INPUT-UNKNOWN: there is no input named "nope": the service declares greeting/);
  });
});
