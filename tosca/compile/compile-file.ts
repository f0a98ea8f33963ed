/** Validate + compile in one step, for the CLI, the agent and embedding hosts. */
import type { Expression } from '../../store/index.js';
import type { Problem } from '../problems/index.js';
import { validateFile, type ValidateOptions } from '../processor.js';
import { ProblemSink } from '../problems/index.js';
import { compileService } from './compile.js';
import { attachScripts } from './script-contents.js';
import type { CompiledService } from './compiled.js';

export interface CompileFileResult {
  readonly file: string;
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  readonly service?: CompiledService;
  /** The entry could not be read at all (CLI exit 2). */
  readonly ioError: boolean;
}

export async function compileFile(
  file: string,
  options: ValidateOptions & { inputs?: Readonly<Record<string, string | Expression>> } = {},
): Promise<CompileFileResult> {
  const v = await validateFile(file, options);
  if (!v.valid || !v.model) return { file, ok: false, problems: v.problems, ioError: v.ioError };
  const c = compileService(v.model, { ...(options.inputs && { inputs: options.inputs }), ...(options.limits && { limits: options.limits }) });
  // Script operations carry their files: read them now (the compiler itself does no I/O).
  const sink = new ProblemSink();
  const service = await attachScripts(c.service, v.model.files, sink);
  const problems = [...c.problems, ...sink.list()];
  return { file, ok: problems.length === 0, problems, service, ioError: false };
}
