/**
 * Every example under examples/ is a valid service template for `khutulun validate` (with the
 * khutulun.org:core profile), and each is found here without listing it by hand.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const examples = readdirSync(path.join(root, 'examples'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(root, 'examples', d.name, 'service.yaml')))
  .map((d) => d.name)
  .sort();

function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  return main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: root, env: {} }).then((code) => ({ code, out, err }));
}

describe('examples validate', () => {
  it('finds the examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['hello-web', 'mixed', 'two-tier']));
  });

  it.each(examples)('examples/%s/service.yaml is valid', async (name) => {
    const r = await run(['validate', '-o', 'json', `examples/${name}/service.yaml`]);
    expect(r.err).toBe('');
    const reports = JSON.parse(r.out) as { file: string; valid: boolean; problems: unknown[] }[];
    expect(reports).toEqual([{ file: `examples/${name}/service.yaml`, valid: true, problems: [] }]);
    expect(r.code).toBe(0);
  });

  it('a broken example fails (the check can fail)', async () => {
    const r = await run(['validate', 'examples/hello-web/no-such-file.yaml']);
    expect(r.code).not.toBe(0);
  });
});
