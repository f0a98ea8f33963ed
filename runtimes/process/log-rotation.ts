/**
 * Size-based log rotation by copy-and-truncate. The process writes its stdout/stderr straight into
 * the log file (O_APPEND), so its output survives an agent restart (no pipe through the agent);
 * rotation copies the file to `.1` (shifting older ones) and truncates it in place. Lines written
 * between the copy and the truncate can be lost: the price of not relaying output through the agent.
 */
import { copyFileSync, renameSync, rmSync, statSync, truncateSync } from 'node:fs';

export interface LogRotationConfig {
  /** Rotate when a file grows past this many bytes. */
  maxBytes: number;
  /** Rotated files kept besides the live one (`.1` … `.N`). */
  keep: number;
}

export const defaultLogRotation: LogRotationConfig = { maxBytes: 10 * 1024 * 1024, keep: 3 };

/** The renames that make room for a new `.1` (pure): oldest first, the last one is dropped. */
export function rotationPlan(path: string, keep: number): { drop: string; moves: Array<[string, string]> } {
  const moves: Array<[string, string]> = [];
  for (let i = keep - 1; i >= 1; i--) moves.push([`${path}.${i}`, `${path}.${i + 1}`]);
  return { drop: `${path}.${keep}`, moves };
}

/** Rotates `path` if it is larger than the limit. Returns true when it rotated. */
export function rotateIfNeeded(path: string, config: LogRotationConfig): boolean {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  if (size <= config.maxBytes) return false;
  if (config.keep <= 0) {
    truncateSync(path, 0);
    return true;
  }
  const plan = rotationPlan(path, config.keep);
  rmSync(plan.drop, { force: true });
  for (const [from, to] of plan.moves) {
    try {
      renameSync(from, to);
    } catch {
      // a missing older generation is normal
    }
  }
  copyFileSync(path, `${path}.1`);
  truncateSync(path, 0);
  return true;
}
