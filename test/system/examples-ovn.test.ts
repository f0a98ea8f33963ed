/**
 * examples/ovn-network run as a user runs it (the real CLI as a child process, the agent's
 * production runtimes): a Network and a system container attached to it. A namespace this test
 * makes joins the same logical switch and reaches the machine's TCP 8080 (allowed by the ACL)
 * while 8081 is rejected; SIGINT removes the machine's port and the switch, leaving nothing in
 * OVN, OVS or the kernel. Without OVN the attached node fails with a coded error.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OvnNetworkAdapter } from '../../runtimes/ovn/index.js';
import type { CliRun } from '../unit/cli/up-helpers.js';
import { jsonLine, killPids, root, startCli, waitFor } from '../unit/cli/up-helpers.js';
import { bridge, connect, leftovers, makeNamespace, nbDb, ovsDb, teardown } from './ovn-fixture.js';

const tarball = process.env['KH_NSPAWN_TAR'];
const enabled = ((): boolean => {
  if (tarball && nbDb) return true;
  if (process.env['CI']) throw new Error('KH_NSPAWN_TAR or KH_OVN_NB_DB is not set: scripts/ci/daemons.sh start did not prepare them');
  return false;
})();
const runs: CliRun[] = [];
const dirs: string[] = [];
afterAll(() => {
  killPids(runs.map((r) => r.child.pid));
  teardown();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function finish(run: CliRun, signal?: NodeJS.Signals): Promise<number | null> {
  if (signal) run.child.kill(signal);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 60_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  return code;
}

function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kh-ovn-example-'));
  dirs.push(dir);
  copyFileSync(path.join(root, 'examples/ovn-network/service.yaml'), path.join(dir, 'service.yaml'));
  copyFileSync(tarball!, path.join(dir, 'rootfs.tar'));
  return dir;
}

describe.skipIf(!enabled)('examples/ovn-network (khutulun up, OVN + systemd-nspawn)', () => {
  it('the machine answers on its OVN port where the ACL allows; SIGINT leaves nothing behind', async () => {
    const dir = folder();
    const name = `ovn-demo-${process.pid}`;
    const run = startCli(['up', path.join(dir, 'service.yaml'), '--name', name, '--input', 'image_tar=rootfs.tar', '--input', 'cidr=10.79.0.0/24', '--state', path.join(dir, 'state'), '-o', 'json']);
    runs.push(run);
    await waitFor('the outputs line', () => jsonLine(run), 120_000, run);
    const ovn = new OvnNetworkAdapter({ nbDb: nbDb!, ovsDb: ovsDb!, bridge: bridge! });
    const net = (await ovn.list()).find((o) => o.id.startsWith(`${name}/`));
    expect(net?.info?.['cidr']).toBe('10.79.0.0/24');
    const [web] = await ovn.attachments(net!.id);
    expect(web?.workload).toMatch(/web$/);
    const probe = makeNamespace();
    await ovn.attach(net!.id, 'probe/client', probe);
    expect(await connect(probe, web!.address, 8080)).toBe('ok');
    expect(await connect(probe, web!.address, 8081)).toBe('refused'); // the ACL's reject rule
    await ovn.detach(net!.id, 'probe/client');
    expect(await finish(run, 'SIGINT')).toBe(0);
    expect(await ovn.observe(net!.id)).toBeUndefined();
    expect(leftovers(net!.id, [web!.workload, 'probe/client'])).toEqual([]);
    await ovn.close();
  }, 240_000);

  it('without OVN on the host the deployment fails with a coded error, and no machine is left running', async () => {
    const dir = folder();
    const run = startCli(['up', path.join(dir, 'service.yaml'), '--name', `ovn-none-${process.pid}`, '--input', 'image_tar=rootfs.tar', '--state', path.join(dir, 'state'), '-o', 'json'], { KH_OVN_NB_DB: 'unix:/nonexistent/ovnnb_db.sock' });
    runs.push(run);
    expect(await finish(run)).toBe(1);
    // The agent offers runtime:ovn only where OVN answers, so placement refuses the Network, coded.
    expect(run.stderr).toMatch(/KH-AGENT-PLACEMENT: .*nodes\/net: .*runtime:ovn/);
    expect(run.stderr).toMatch(/no host runs ovn now: start OVS \+ OVN/);
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })).not.toContain(`kh-ovn-none-${process.pid}`);
  }, 180_000);
});
