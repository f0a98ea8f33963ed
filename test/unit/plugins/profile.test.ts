import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';

const fixture = resolve('test/unit/plugins/fixtures/shop-service.yaml');
const dir = mkdtempSync(join(tmpdir(), 'kh-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function validate(...files: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(['validate', ...files], { stdout: (t) => void out.push(t), stderr: (t) => void out.push(t), cwd: process.cwd() });
  return { code, out: out.join('') };
}

function variant(name: string, edit: (text: string) => string): string {
  const path = join(dir, name);
  writeFileSync(path, edit(readFileSync(fixture, 'utf8')));
  return path;
}

describe('profiles/khutulun (khutulun.org:core) through `khutulun validate`', () => {
  it('the profile files validate without problems', async () => {
    expect(await validate(resolve('profiles/khutulun/profile.yaml'))).toEqual({ code: 0, out: '' });
  });

  it('a service template importing the profile by name validates (processes, containers, pods, policies)', async () => {
    expect(await validate(fixture)).toEqual({ code: 0, out: '' });
  });

  it('the profile is really used: unknown types and properties are reported', async () => {
    const unknownType = await validate(variant('bad-type.yaml', (t) => t.replace('type: kh:Pod', 'type: kh:Nope')));
    expect(unknownType.code).toBe(1);
    expect(unknownType.out).toContain('TOSCA-TYPE-UNKNOWN');
    const missing = await validate(variant('bad-prop.yaml', (t) => t.replace('image: docker.io/library/postgres:16', 'imagex: x')));
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('"image" of Container has no value');
    const policy = await validate(variant('bad-policy.yaml', (t) => t.replace('type: kh:Spread', 'type: kh:Sprawl')));
    expect(policy.code).toBe(1);
  });
});
