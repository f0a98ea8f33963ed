/**
 * The Distrobox runtime (`distrobox`): pristine containers on rootless Podman, owned by an
 * unprivileged user (Distrobox refuses root). ensure = `distrobox create` from a LOCAL image
 * (no registry is assumed) and then the slow first `distrobox enter` (distrobox-init installs its
 * packages and sets the user up inside, ~90 s), with its lines reported as progress — so the
 * user's first command is fast. A first enter that fails removes the box again (nothing
 * half-made). Boxes carry labels `io.khutulun.workload` / `io.khutulun.spec`, which list() reads
 * for re-attach.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Logger } from '../../common/index.js';
import { silentLogger } from '../../common/index.js';
import type { ExecOptions, ExecSession, RuntimeAdapter, RuntimeEvent } from '../runtime-adapter.js';
import { ChunkChannel, noWorkload } from '../workload-io.js';
import type { ObservedWorkload, WorkloadId, WorkloadSpec } from '../workload.js';
import { lookupUser, runAs } from './as-user.js';
import type { BoxUser } from './as-user.js';
import { DistroboxErrorCode, distroboxError } from './errors.js';
import { boxName, specHash, validatePristineSpec } from './spec.js';

export const DISTROBOX_RUNTIME = 'distrobox';

export interface DistroboxAdapterOptions {
  /** Users whose boxes list() looks at (plus every user ensure saw). Env KH_DISTROBOX_USERS (comma-separated). */
  users?: readonly string[];
  logger?: Logger;
  /** Progress of the first enter, line by line (default: the logger at info). */
  onProgress?: (workload: WorkloadId, line: string) => void;
}

interface BoxState {
  id?: string;
  name: string;
  status: string;
  hash?: string;
}

export class DistroboxRuntimeAdapter implements RuntimeAdapter {
  readonly name = DISTROBOX_RUNTIME;
  readonly #users = new Set<string>();
  readonly #owner = new Map<WorkloadId, string>();
  readonly #logger: Logger;
  readonly #progress: (workload: WorkloadId, line: string) => void;

  constructor(options: DistroboxAdapterOptions = {}) {
    for (const u of options.users ?? (process.env['KH_DISTROBOX_USERS'] ?? '').split(',')) if (u.trim()) this.#users.add(u.trim());
    this.#logger = options.logger ?? silentLogger;
    this.#progress = options.onProgress ?? ((w, line) => this.#logger.log('info', `distrobox ${w}: ${line}`));
  }

  async ready(): Promise<void> {
    for (const bin of ['distrobox', 'podman', 'setpriv']) {
      if (!onPath(bin)) throw distroboxError(DistroboxErrorCode.unavailable, `${bin} is not installed on this host`, 'apt-get install distrobox podman uidmap (rootless podman for an unprivileged user)');
    }
  }

  async #box(user: BoxUser, name: string): Promise<BoxState | undefined> {
    const r = await runAs(user, ['podman', 'container', 'inspect', name, '--format', '{{.State.Status}} {{index .Config.Labels "io.khutulun.spec"}} {{index .Config.Labels "io.khutulun.workload"}}'], { timeoutMs: 30_000 });
    if (r.code !== 0) return undefined;
    const [status = 'unknown', hash, id] = r.stdout.trim().split(' ');
    return { name, status, ...(hash ? { hash } : {}), ...(id ? { id } : {}) };
  }

  #observed(id: WorkloadId, user: string, box: BoxState): ObservedWorkload {
    const state = box.status === 'running' ? 'running' : box.status === 'exited' || box.status === 'stopped' ? 'stopped' : box.status === 'created' || box.status === 'configured' ? 'pending' : 'unknown';
    return { id, runtime: DISTROBOX_RUNTIME, state, handle: box.name, info: { user, box: box.name } };
  }

  async ensure(id: WorkloadId, given: WorkloadSpec): Promise<ObservedWorkload> {
    const spec = validatePristineSpec(given as { kind: string; [key: string]: unknown });
    const user = lookupUser(spec.user!);
    this.#users.add(user.name);
    this.#owner.set(id, user.name);
    const name = boxName(id);
    const hash = specHash(spec);
    const existing = await this.#box(user, name);
    if (existing?.hash === hash && existing.status === 'running') return this.#observed(id, user.name, existing);
    if (existing) await this.#rm(user, name);
    const image = await runAs(user, ['podman', 'image', 'exists', spec.image], { timeoutMs: 30_000 });
    if (image.code !== 0) {
      throw distroboxError(DistroboxErrorCode.imageMissing, `image ${spec.image} is not in ${user.name}'s rootless image store`, `load it as that user (podman save IMAGE | setpriv … podman load), or build it locally; nothing is pulled`);
    }
    const create = ['distrobox', 'create', '--yes', '--no-entry', '--image', spec.image, '--name', name,
      '--additional-flags', `--label io.khutulun.workload=${id.replace(/\s/g, '_')} --label io.khutulun.spec=${hash}`];
    if (spec.packages?.length) create.push('--additional-packages', spec.packages.join(' '));
    const created = await runAs(user, create, { timeoutMs: 120_000 });
    if (created.code !== 0) {
      await this.#rm(user, name).catch(() => undefined);
      throw distroboxError(DistroboxErrorCode.create, `distrobox create ${name} failed: ${tail(created.stderr || created.stdout)}`, 'see the message (image, rootless podman configuration of the user)');
    }
    // The slow first enter, here rather than in the user's first command.
    this.#progress(id, `first enter of ${name} (distrobox-init installs its packages inside; about 90 s)`);
    const said: string[] = [];
    const init = await runAs(user, ['distrobox', 'enter', name, '--', 'true'], {
      timeoutMs: spec.initTimeoutMs ?? 600_000,
      onLine: (line) => {
        this.#progress(id, line);
        if (!line.startsWith('+')) said.push(stripColour(line)); // not shell trace lines
      },
    });
    if (init.code !== 0) {
      await this.#rm(user, name).catch(() => undefined);
      throw distroboxError(DistroboxErrorCode.init, `the first enter of ${name} did not complete (exit ${init.code}): ${said.slice(-3).join(' | ') || tail(init.stderr || init.stdout)}`,
        'distrobox-init installs packages inside with the image\'s package manager: the image needs one (apt, dnf, apk…) and its mirror must be reachable', { retryable: true, details: { box: name } });
    }
    const box = await this.#box(user, name);
    if (!box) throw distroboxError(DistroboxErrorCode.create, `box ${name} vanished right after its first enter`, 'check the user\'s podman (podman ps -a as that user)', { retryable: true });
    return this.#observed(id, user.name, box);
  }

  async #userOf(id: WorkloadId): Promise<BoxUser | undefined> {
    const known = this.#owner.get(id);
    const candidates = known ? [known] : [...this.#users];
    for (const u of candidates) {
      const user = lookupUser(u);
      if (await this.#box(user, boxName(id))) return user;
    }
    return undefined;
  }

  async observe(id: WorkloadId): Promise<ObservedWorkload | undefined> {
    const user = await this.#userOf(id);
    const box = user ? await this.#box(user, boxName(id)) : undefined;
    return user && box ? this.#observed(id, user.name, box) : undefined;
  }

  async #rm(user: BoxUser, name: string): Promise<void> {
    const r = await runAs(user, ['distrobox', 'rm', '--force', name], { timeoutMs: 120_000 });
    if (r.code !== 0 && (await this.#box(user, name))) {
      throw distroboxError(DistroboxErrorCode.create, `distrobox rm ${name} failed: ${tail(r.stderr || r.stdout)}`, 'remove it by hand as the user (distrobox rm --force NAME)', { retryable: true });
    }
  }

  async remove(id: WorkloadId): Promise<void> {
    const user = await this.#userOf(id);
    if (user) await this.#rm(user, boxName(id));
    this.#owner.delete(id);
  }

  async list(): Promise<ObservedWorkload[]> {
    const out: ObservedWorkload[] = [];
    for (const u of this.#users) {
      const user = lookupUser(u);
      const r = await runAs(user, ['podman', 'ps', '-a', '--filter', 'label=io.khutulun.workload', '--format', '{{.Names}}'], { timeoutMs: 30_000 });
      for (const name of r.stdout.split('\n').filter(Boolean)) {
        const box = await this.#box(user, name);
        if (box?.id) out.push(this.#observed(box.id, u, box));
      }
    }
    return out;
  }

  /** Boxes change state only when asked (no events). */
  subscribe(_listener: (event: RuntimeEvent) => void): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {}

  /** Runs `command` inside the box as its user (`distrobox enter NAME -- …`). */
  async exec(id: WorkloadId, command: readonly string[], options: ExecOptions = {}): Promise<ExecSession> {
    if (command.length === 0) throw distroboxError(DistroboxErrorCode.exec, 'exec needs a command', 'give the program and its arguments');
    const user = await this.#userOf(id);
    if (!user) throw noWorkload(DISTROBOX_RUNTIME, id);
    const output = new ChunkChannel();
    const exitCode = runAs(user, ['distrobox', 'enter', boxName(id), '--', ...command], {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onLine: (line, stream) => output.push({ stream, text: `${line}\n` }),
    }).then(
      (r) => {
        output.end();
        return r.code;
      },
      (error: unknown) => {
        output.end(error);
        throw error;
      },
    );
    return { output, exitCode };
  }
}

function onPath(bin: string): boolean {
  return (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// distrobox colours its errors: drop the escape sequences (built from a string: no control character in a literal).
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
function stripColour(line: string): string {
  return line.replace(COLOUR, '').trim();
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-8).join(' | ').slice(-1200);
}
