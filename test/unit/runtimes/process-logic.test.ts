/** Pure parts of the process runtime: restart policy, spec checks, /proc parsing, rotation plan. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KhutulunError } from '../../../common/index.js';
import {
  canonicalSpecJson as canonicalJson,
  decideRestart,
  defaultBackoff,
  limitFiles,
  parseGroups,
  parsePasswd,
  parseProcStat,
  parseSelfCgroup,
  rotationPlan,
  socketInodesForPort,
  processSpecHash as specHash,
  validateProcessSpec,
  lookupUser,
  encodeWorkloadFileName as encodeId,
} from '../../../runtimes/index.js';

describe('restart policy', () => {
  const failed = { codeKnown: true, exitCode: 1, ranMs: 10 };
  const clean = { codeKnown: true, exitCode: 0, ranMs: 10 };
  it('never restarts with never; on-failure only after failures; always after anything', () => {
    expect(decideRestart('never', failed, 0).restart).toBe(false);
    expect(decideRestart('on-failure', clean, 0).restart).toBe(false);
    expect(decideRestart('on-failure', failed, 0).restart).toBe(true);
    expect(decideRestart('on-failure', { codeKnown: true, signal: 'SIGKILL', ranMs: 1 }, 0).restart).toBe(true);
    expect(decideRestart('on-failure', { codeKnown: false, ranMs: 1 }, 0).restart).toBe(true);
    expect(decideRestart('always', clean, 0).restart).toBe(true);
  });
  it('backs off exponentially up to the cap and resets after a healthy run', () => {
    const b = { initialMs: 100, maxMs: 1000, resetAfterMs: 5000 };
    const delays = [0, 1, 2, 3, 4, 5].map((s) => {
      const d = decideRestart('always', failed, s, b);
      return d.restart ? d.delayMs : -1;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    const healthy = decideRestart('always', { ...failed, ranMs: 6000 }, 9, b);
    expect(healthy).toEqual({ restart: true, delayMs: 100, streak: 1 });
  });
  it('property: delay stays within [initial, max] and the streak grows by one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 100_000 }), (streak, ranMs) => {
        const d = decideRestart('always', { codeKnown: true, exitCode: 2, ranMs }, streak, defaultBackoff);
        if (!d.restart) return false;
        return d.delayMs >= defaultBackoff.initialMs && d.delayMs <= defaultBackoff.maxMs && d.streak >= 1 && d.streak <= streak + 1;
      }),
      { numRuns: 200 },
    );
  });
});

describe('spec validation and hashing', () => {
  const ok = { kind: 'process', command: 'sleep', args: ['1'] } as const;
  it('accepts a good spec and rejects bad ones with KH-PROC-BAD-SPEC', () => {
    expect(validateProcessSpec('a', ok).command).toBe('sleep');
    const bad: unknown[] = [
      { kind: 'container', image: 'x' },
      { kind: 'process' },
      { kind: 'process', command: '   ' },
      { kind: 'process', command: 'x', args: [1] },
      { kind: 'process', command: 'x', env: { A: 1 } },
      { kind: 'process', command: 'x', restart: 'sometimes' },
      { kind: 'process', command: 'x', limits: { memory: -1 } },
      { kind: 'process', command: 'x', ports: [{ name: 'p', protocol: 'sctp' }] },
      { kind: 'process', command: 'x', ports: [{ name: 'p', protocol: 'tcp', hostPort: 70000 }] },
      null,
    ];
    for (const spec of bad) {
      try {
        validateProcessSpec('w', spec as never);
        throw new Error(`accepted ${JSON.stringify(spec)}`);
      } catch (error) {
        expect(error).toBeInstanceOf(KhutulunError);
        expect((error as KhutulunError).code).toBe('KH-PROC-BAD-SPEC');
        expect((error as KhutulunError).hint).toBeTruthy();
      }
    }
  });
  it('hash ignores key order and undefined fields, and changes with content', () => {
    expect(specHash({ kind: 'process', command: 'a', args: ['1'] })).toBe(specHash({ args: ['1'], command: 'a', kind: 'process', env: undefined } as never));
    expect(specHash({ kind: 'process', command: 'a', args: ['1'] })).not.toBe(specHash({ kind: 'process', command: 'a', args: ['2'] }));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        return canonicalJson(obj) === canonicalJson(reversed);
      }),
      { numRuns: 100 },
    );
  });
});

describe('/proc and /etc parsing', () => {
  it('reads pid, state, pgid and start time even when comm has spaces and parentheses', () => {
    const text = '4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 50 18446744073709551615';
    expect(parseProcStat(text)).toEqual({ pid: 4242, state: 'S', ppid: 1, pgid: 4242, startTime: 987654 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
  it('finds the socket inode of a listening port in /proc/net/tcp', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    expect(socketInodesForPort(text, 8080, true)).toEqual(['12345']);
    expect(socketInodesForPort(text, 8080, false)).toEqual(['12345', '777']);
    expect(socketInodesForPort(text, 8081, false)).toEqual([]);
  });
  it('maps user names, uids and groups', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
    const group = 'root:x:0:\nnogroup:x:65534:\nstaff:x:50:\n';
    expect(parsePasswd(passwd).get('nobody')?.uid).toBe(65534);
    expect(parseGroups(group).get('staff')).toBe(50);
    expect(lookupUser('w', 'nobody', { passwd, group })).toMatchObject({ uid: 65534, gid: 65534 });
    expect(lookupUser('w', 'nobody:staff', { passwd, group })).toMatchObject({ uid: 65534, gid: 50 });
    expect(lookupUser('w', '1234:99', { passwd, group })).toMatchObject({ uid: 1234, gid: 99 });
    expect(() => lookupUser('w', 'ghost', { passwd, group })).toThrow(expect.objectContaining({ code: 'KH-PROC-USER-UNKNOWN' }));
  });
  it('reads own cgroup paths per controller', () => {
    const self = parseSelfCgroup('4:memory:/process_api/x\n1:cpu,cpuacct:/\n0::/agent\n');
    expect(self.v1.get('memory')).toBe('/process_api/x');
    expect(self.v1.get('cpuacct')).toBe('/');
    expect(self.v2).toBe('/agent');
  });
  it('computes the limit files for v1 and v2', () => {
    expect(limitFiles({ cpus: 0.5 }, 2, 'cpu')).toEqual([['cpu.max', '50000 100000']]);
    expect(limitFiles({ cpus: 0.5 }, 1, 'cpu')).toEqual([['cpu.cfs_period_us', '100000'], ['cpu.cfs_quota_us', '50000']]);
    expect(limitFiles({ memory: 64 * 1024 * 1024 }, 1, 'memory')).toEqual([['memory.limit_in_bytes', '67108864']]);
    expect(limitFiles({ pids: 20 }, 2, 'pids')).toEqual([['pids.max', '20']]);
  });
  it('plans rotations oldest first', () => {
    expect(rotationPlan('/l/out.log', 3)).toEqual({ drop: '/l/out.log.3', moves: [['/l/out.log.2', '/l/out.log.3'], ['/l/out.log.1', '/l/out.log.2']] });
  });
});

describe('state file names', () => {
  it('property: any id maps to a safe, bounded, distinct file name', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }), { minLength: 2, maxLength: 5 }), (ids) => {
        const names = ids.map(encodeId);
        for (const n of names) {
          if (n.includes('/') || n.includes('\0') || n.startsWith('.') || Buffer.byteLength(n) > 200) return false;
        }
        return new Set(names).size === names.length;
      }),
      { numRuns: 300 },
    );
  });
});
