/** Test helpers for in-process agents on 127.0.0.1 (random ports, temp state dirs). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocHandle } from '@automerge/automerge-repo';
import { startAgent } from '../../../agent/index.js';
import type { Agent, AgentOptions } from '../../../agent/index.js';
import { testEngine } from './test-engine.js';

export const TOKEN = 'test-token-0123456789';

export interface Harness {
  start(name: string, extra?: Partial<AgentOptions>): Promise<Agent>;
  tmp(): string;
  close(): Promise<void>;
}

export function harness(): Harness {
  const agents: Agent[] = [];
  const dirs: string[] = [];
  return {
    tmp() {
      const d = mkdtempSync(join(tmpdir(), 'kh-agent-test-'));
      dirs.push(d);
      return d;
    },
    async start(name, extra = {}) {
      // The production engine, with the noop runtime and plain-function plugins unless a test
      // brings its own: agents of membership/TLS tests start in milliseconds, not with Wasm workers.
      const engine = extra.engine ?? testEngine(extra.stateDir !== undefined ? { stateDir: extra.stateDir } : {}).engine;
      const agent = await startAgent({ name, listen: '127.0.0.1:0', token: TOKEN, heartbeatMs: 200, reconnectMs: 1000, ...extra, engine });
      agents.push(agent);
      return agent;
    },
    async close() {
      await Promise.all(agents.splice(0).map((a) => a.close()));
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Resolves once `check()` holds, re-checking on every change of `handle` (and every 50 ms as a fallback). */
export async function until<T>(handle: DocHandle<T> | undefined, check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  if (check()) return;
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      clearInterval(poll);
      clearTimeout(limit);
      handle?.off('change', onChange);
    };
    const onChange = (): void => {
      if (check()) {
        done();
        resolve();
      }
    };
    handle?.on('change', onChange);
    const poll = setInterval(onChange, 50);
    const limit = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
  });
}

/** Re-runs an async probe (every 50 ms, bounded) until it returns a value. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'probe'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One API call with the test token; the JSON body parsed (undefined when empty). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
export async function api(url: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}
