/**
 * The package as a user gets it: `npm pack`, the tarball unpacked into node_modules/khutulun of a
 * folder outside the project (a CommonJS app: "type": "commonjs"), and
 * examples/embed-service/server.mjs run there — which proves the exports, the files list and that
 * plugins load under a CommonJS app — then examples/custom-controller/controller.mjs (an ESM app),
 * which scales a node on a metric through the embedding API's watch/scale. Dependencies are linked from this checkout's node_modules
 * (no registry). The build runs first through `prepare`, which skips when the sources are unchanged.
 * Then the plugin walk of docs/plugins.md with that installed CLI, in a folder that has no
 * khutulun of its own: `plugin new`, `plugin build` (the SDK from the installed package; progress,
 * size and hash), `plugin test` passing, and failing once an expectation is wrong.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from '../cli/up-helpers.js';

const outside = mkdtempSync(path.join(tmpdir(), 'kh-packed-'));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

describe('the packed package, installed outside the project', () => {
  it('builds (or skips an unchanged build), packs, and runs the embedding example', () => {
    const prepare = spawnSync(process.execPath, ['scripts/prepare.mjs'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    expect(prepare.status, prepare.stderr).toBe(0);
    // A second run right after changes nothing: it must skip the TypeScript build.
    const again = spawnSync(process.execPath, ['scripts/prepare.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(again.stderr).toContain('TypeScript build up to date (sources unchanged), skipped');

    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', outside], { cwd: root, encoding: 'utf8', timeout: 120_000 })) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/agent/index.d.ts');
    expect(files).toContain('profiles/khutulun/profile.yaml');
    expect(files.some((f) => f.endsWith('.wasm'))).toBe(true);
    // The live page's bundle ships built: installs from the registry run no build.
    expect(files).toContain('dist/ui/app.js');
    expect(files).toContain('dist/ui/index.html');
    expect(files.some((f) => f.startsWith('test/') || f.endsWith('.test.js') || f.startsWith('dist/test/unit'))).toBe(false);

    const app = path.join(outside, 'app');
    const pkgDir = path.join(app, 'node_modules', 'khutulun');
    mkdirSync(pkgDir, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(outside, packed[0]!.filename), '-C', pkgDir, '--strip-components=1']);
    const manifest = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dep of Object.keys(manifest.dependencies)) {
      const target = path.join(app, 'node_modules', dep);
      mkdirSync(path.dirname(target), { recursive: true });
      symlinkSync(path.join(root, 'node_modules', dep), target, 'dir');
    }
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'embedding-app', private: true, version: '1.0.0', type: 'commonjs' }));
    for (const f of readdirSync(path.join(root, 'examples/embed-service'))) cpSync(path.join(root, 'examples/embed-service', f), path.join(app, f));

    // Only the declared exports resolve; an internal file does not.
    const probe = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const k = await import('khutulun'); const a = await import('khutulun/agent'); console.log(typeof k.startHost, typeof a.startAgent, Object.keys(k).sort().join(',')); await import('khutulun/dist/cli/main.js').then(() => console.log('internal: resolved'), (e) => console.log('internal:', e.code));"],
      { cwd: app, encoding: 'utf8', timeout: 30_000 },
    );
    expect(probe.stderr).toBe('');
    const [kinds, internal] = probe.stdout.trim().split('\n');
    expect(kinds).toMatch(/^function function .*startHost/);
    expect(internal).toBe('internal: ERR_PACKAGE_PATH_NOT_EXPORTED');

    const run = spawnSync(process.execPath, ['server.mjs', path.join(app, 'state'), '--check'], { cwd: app, encoding: 'utf8', timeout: 90_000 });
    expect(run.status, run.stderr).toBe(0);
    const line = JSON.parse(run.stdout.trim().split('\n').pop()!) as { state: string; nodes: string[]; greeting?: string; transitions: number };
    expect(line.greeting).toBe('Hello from an embedded Khutulun');
    expect(line.nodes).toContain('web=started');
    expect(line.transitions).toBeGreaterThan(0);

    // The custom controller example: scales a node on a metric through the embedding API.
    const ctl = path.join(outside, 'controller');
    mkdirSync(ctl);
    symlinkSync(path.join(app, 'node_modules'), path.join(ctl, 'node_modules'), 'dir');
    writeFileSync(path.join(ctl, 'package.json'), JSON.stringify({ name: 'controller-app', private: true, version: '1.0.0', type: 'module' }));
    for (const f of readdirSync(path.join(root, 'examples/custom-controller'))) cpSync(path.join(root, 'examples/custom-controller', f), path.join(ctl, f));
    const controlled = spawnSync(process.execPath, ['controller.mjs', path.join(ctl, 'state'), '--check'], { cwd: ctl, encoding: 'utf8', timeout: 150_000 });
    expect(controlled.status, controlled.stderr).toBe(0);
    const result = JSON.parse(controlled.stdout.trim().split('\n').pop()!) as { workers: number[]; decisions: string[]; generations: number };
    expect(result.workers).toEqual([1, 3, 1]);
    expect(result.decisions).toEqual(['queue 25: 1 -> 3 workers', 'queue 5: 3 -> 1 workers']);
    expect(result.generations).toBe(3);
  }, 600_000);

  it('walks from plugin new to plugin test with the installed CLI, in a folder of its own', () => {
    const cli = path.join(outside, 'app', 'node_modules', 'khutulun', 'bin', 'khutulun.js');
    expect(existsSync(cli), 'the first test installs the package').toBe(true);
    const walk = path.join(outside, 'walk');
    mkdirSync(walk);
    const khutulun = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });

    const made = khutulun(walk, 'plugin', 'new', 'acme.greeter');
    expect(made.status, made.stderr).toBe(0);
    const project = path.join(walk, 'acme.greeter');
    expect(existsSync(path.join(project, 'node_modules'))).toBe(false);
    expect(readFileSync(path.join(project, 'src', 'plugin.ts'), 'utf8')).toContain("from 'khutulun/plugins/sdk'");

    const built = khutulun(project, 'plugin', 'build', 'src/plugin.ts', '-o', 'build/acme.greeter.wasm');
    expect(built.status, built.stderr).toBe(0);
    expect(built.stderr).toMatch(/bundling .*componentizing .*writing /s);
    const bytes = readFileSync(path.join(project, 'build', 'acme.greeter.wasm'));
    const hash = createHash('sha256').update(bytes).digest('hex');
    expect(built.stdout).toContain(`${bytes.length} bytes`);
    expect(built.stdout).toContain(`sha256:${hash}`);

    const tested = khutulun(project, 'plugin', 'test', 'test/cases.json');
    expect(tested.status, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toContain('ok   start greets the node by its name');
    expect(tested.stdout).toContain('3 passed, 0 failed');

    // A wrong expectation fails, and says what came back.
    const casesFile = path.join(project, 'test', 'cases.json');
    writeFileSync(casesFile, readFileSync(casesFile, 'utf8').replace('"HI"', '"hi"'));
    const wrong = khutulun(project, 'plugin', 'test', 'test/cases.json');
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toMatch(/FAIL shout is a value function\n {2}value differs: expected "hi", actual "HI"/);
  }, 200_000);
});
