/** Coded errors of the script runtime (one-shot runs of TOSCA script operations). */
import { KhutulunError } from '../../common/index.js';

export const ScriptErrorCodes = {
  /** The script ran and exited non-zero (or was killed): its stderr tail is in the message. */
  failed: 'KH-SCRIPT-FAILED',
  /** The script ran longer than its timeout and was killed. */
  timeout: 'KH-SCRIPT-TIMEOUT',
  /** A file's content does not match its recorded hash. */
  checksum: 'KH-SCRIPT-CHECKSUM',
  /** The spec is malformed (no files, a path leaving the work folder, an unknown interpreter). */
  badSpec: 'KH-SCRIPT-BAD-SPEC',
  /** The interpreter (sh, bash, python3, ansible-playbook) is not installed where the script runs. */
  noInterpreter: 'KH-SCRIPT-NO-INTERPRETER',
  /** The runtime of the workload the script should run in cannot run commands in it. */
  noExec: 'KH-SCRIPT-NO-EXEC',
} as const;

export function scriptError(code: string, message: string, hint: string, details?: Record<string, unknown>, retryable = false): KhutulunError {
  return new KhutulunError(code, message, { hint, retryable, ...(details ? { details } : {}) });
}
