/**
 * Progress of deploy/update/scale/undeploy on stderr. On a terminal, a block redrawn in place: the
 * deployment's state and one line per node (state, host, restarts, what it waits for); elsewhere
 * (a log, a pipe, CI) plain lines, one per change of the summary, as before. The block is pure
 * text (`progressBlock`); the drawing is ANSI cursor-up + clear-to-end only.
 */
import type { DeploymentStatus } from '../agent/index.js';

const SPINNER = ['-', '\\', '|', '/'];
/** Longest node list drawn in place; more are summarised (a terminal is not a log). */
const MAX_NODES = 30;

function short(id: string): string {
  return id.split('/').pop() ?? id;
}

/** One line of counts: `web: deploying (generation 2; 1 started, 2 starting)` (pure). */
export function summaryLine(s: DeploymentStatus): string {
  const counts = new Map<string, number>();
  for (const n of s.nodes) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
  return `${s.name}: ${s.state} (generation ${s.generation ?? '?'}; ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')})`;
}

/** The terminal block: the summary, then a line per node, widths aligned, cut to `columns` (pure). */
export function progressBlock(s: DeploymentStatus, tick: number, columns = 100): string[] {
  const nodes = [...s.nodes].sort((a, b) => (a.id < b.id ? -1 : 1));
  const shown = nodes.slice(0, MAX_NODES);
  const w = Math.max(4, ...shown.map((n) => short(n.id).length));
  const sw = Math.max(5, ...shown.map((n) => n.state.length));
  const done = (state: string): boolean => state === 'started' || state === 'deleted' || state === 'error';
  const lines = [`${SPINNER[tick % SPINNER.length]} ${summaryLine(s)}`];
  for (const n of shown) {
    const mark = n.state === 'started' ? '✓' : n.state === 'error' || n.state === 'failing' ? '✗' : done(n.state) ? '·' : SPINNER[tick % SPINNER.length]!;
    const extra = [n.restarts ? `${n.restarts} restarts` : '', n.message ?? ''].filter((x) => x !== '').join('; ');
    lines.push(`  ${mark} ${short(n.id).padEnd(w)}  ${n.state.padEnd(sw)}  ${n.host}${extra ? `  ${extra}` : ''}`);
  }
  if (nodes.length > shown.length) lines.push(`  … and ${nodes.length - shown.length} more nodes`);
  return lines.map((l) => (l.length > columns ? `${l.slice(0, columns - 1)}…` : l));
}

export interface ProgressView {
  show(status: DeploymentStatus): void;
  /** Leaves the last block on screen (TTY) and stops drawing. */
  end(): void;
}

/** A view for `write` (stderr): redrawn in place when `tty`, plain summary lines otherwise. */
export function progressView(write: (text: string) => void, tty: boolean, columns = 100): ProgressView {
  let last = '';
  let drawn = 0;
  let tick = 0;
  if (!tty) {
    return {
      show(s) {
        const text = summaryLine(s);
        if (text !== last) write(`${text}\n`);
        last = text;
      },
      end() {},
    };
  }
  return {
    show(s) {
      const block = progressBlock(s, tick++, columns);
      // Up over the previous block, clear to the end of the screen, draw the new one.
      write(`${drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : ''}${block.join('\n')}\n`);
      drawn = block.length;
    },
    end() {
      drawn = 0;
    },
  };
}
