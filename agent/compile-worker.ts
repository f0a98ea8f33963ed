/**
 * The worker side of compile-pool.ts: reads, validates and compiles one service template off the
 * agent's event loop. Its result is plain data (the compiled service's expressions are
 * structured-clone safe), copied back to the agent.
 */
import { toErrorData } from '../common/index.js';
import type { ErrorData } from '../common/index.js';
import { buildCatalog } from '../tosca/index.js';
import { compileFile } from '../tosca/compile/index.js';
import type { CompileFileResult } from '../tosca/compile/index.js';

export interface CompileTask {
  readonly file: string;
  readonly cwd: string;
  readonly profileDirs: readonly string[];
  readonly inputs: Readonly<Record<string, string>>;
}

export async function compileTask(task: CompileTask): Promise<CompileFileResult> {
  const catalog = await buildCatalog(task.profileDirs, task.cwd);
  return compileFile(task.file, { catalog, cwd: task.cwd, inputs: task.inputs });
}

/** The worker's entry: an error comes back as data (code, hint, retryable survive the thread hop). */
export default async function run(task: CompileTask): Promise<{ result: CompileFileResult } | { error: ErrorData }> {
  try {
    return { result: await compileTask(task) };
  } catch (error) {
    return { error: JSON.parse(JSON.stringify(toErrorData(error))) as ErrorData };
  }
}
