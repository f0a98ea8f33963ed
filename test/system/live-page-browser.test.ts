/**
 * The live page in a real browser: Debian's Chromium driven by playwright-core. `khutulun up` (the
 * real CLI, the real process runtime) prints a one-time login link; the browser opens it, lands on
 * `/` with the code gone from the URL and the session in an HttpOnly cookie, sees the graph, clicks
 * the node, reads its logs tail; the test kills the workload's process and the page shows the node's
 * new state from the event stream, without a reload. The screenshot is kept as an artifact
 * ($KH_CI_BASE/results/live-page.png, else the temp folder; never committed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import type { CliRun } from '../unit/cli/up-helpers.js';
import { jsonLine, killPids, processRecords, root, startCli, waitFor, watchPids } from '../unit/cli/up-helpers.js';

// The page's DOM, as the functions run inside the browser see it (this file is type-checked
// without the DOM library; the page's CSP forbids evaluating strings, so these are functions).
declare const document: { cookie: string; getElementById(id: string): { textContent: string | null } | null };

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`live-page browser test skipped: ${CHROMIUM} is missing (apt-get install chromium; scripts/ci/install-packages.sh installs it in CI)`);

const SERVICE = `tosca_definitions_version: tosca_2_0
imports:
  - profile: khutulun.org:core
service_template:
  node_templates:
    ticker:
      type: Process
      properties:
        command: sh
        args: [ -c, 'echo hello from ticker; while true; do echo tick; sleep 0.3; done' ]
        restart: never
`;

const started: CliRun[] = [];
const workloadPids = new Set<number>();
const state = mkdtempSync(path.join(tmpdir(), 'kh-live-page-'));
const profile = mkdtempSync(path.join(tmpdir(), 'kh-chromium-profile-'));
const unwatch = watchPids(state, workloadPids);
let context: BrowserContext | undefined;

afterAll(async () => {
  unwatch();
  await context?.close().catch(() => undefined);
  for (const r of started) r.child.kill('SIGTERM');
  await Promise.all(started.map((r) => Promise.race([r.exited, new Promise((res) => setTimeout(res, 15_000))])));
  killPids(started.map((r) => r.child.pid));
  killPids(workloadPids);
  rmSync(state, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)('the live page in Chromium', () => {
  it('logs in by the one-time link, shows the graph, a node’s logs, and its state change when its process dies', async () => {
    // The production bundle, built the way `npm run build` builds it.
    const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-ui.mjs')], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);

    const file = path.join(state, 'ticker.yaml');
    writeFileSync(file, SERVICE);
    const up = startCli(['up', file, '--name', 'live', '--state', state, '-o', 'json']);
    started.push(up);
    await waitFor('the outputs line', () => jsonLine(up), 90_000, up);
    const link = /live page: (http:\/\/127\.0\.0\.1:\d+\/login\?code=[0-9a-f]{64})/.exec(up.stderr)?.[1];
    expect(link, up.stderr).toBeDefined();
    const origin = new URL(link!).origin;

    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(link!);
    expect(page.url()).toBe(`${origin}/`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
    // The session is HttpOnly: the page's scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.textContent('#who')).toContain('admin');
    expect(await page.textContent('#hosts')).toContain('local');

    // One node in one host: the layout fits it in the middle of the graph.
    const box = await page.locator('#graph').boundingBox();
    await page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await page.waitForFunction(() => document.getElementById('node-title')?.textContent?.endsWith('ticker'), undefined, { timeout: 10_000 });
    expect(await page.textContent('#node-state')).toBe('started');
    await page.waitForFunction(() => document.getElementById('node-logs')?.textContent?.includes('tick'), undefined, { timeout: 10_000 });
    expect(await page.textContent('#node-logs')).toContain('hello from ticker');
    await page.waitForFunction(() => document.getElementById('node-history')?.textContent?.includes('status'), undefined, { timeout: 10_000 });
    expect(await page.textContent('#node-history')).toMatch(/started/);

    // The workload dies: the event stream brings the new state, no reload.
    const record = processRecords(state).find((r) => r.pid !== undefined);
    expect(record).toBeDefined();
    process.kill(record!.pid!, 'SIGKILL');
    await page.waitForFunction(() => document.getElementById('node-state')?.textContent !== 'started', undefined, { timeout: 30_000 });
    const after = await page.textContent('#node-state');
    expect(after).not.toBe('started');
    expect(await page.textContent('#events')).toMatch(/live\/ticker: started → /);

    // A moment for the derived views (deployment state) to follow, so the artifact shows them too.
    await page.waitForTimeout(1000);
    const results = process.env['KH_CI_BASE'] ? path.join(process.env['KH_CI_BASE'], 'results') : tmpdir();
    mkdirSync(results, { recursive: true });
    const shot = path.join(results, 'live-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    // The node's history (old -> new, generation, host), further down the details pane.
    await page.locator('#node-history').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(results, 'live-page-history.png') });
    console.log(`live page screenshot: ${shot} (node state after the kill: ${after})`);
    expect(problems).toEqual([]);
  });
});
