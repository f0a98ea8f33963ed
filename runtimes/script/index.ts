export { ScriptRuntime, SCRIPT_RUNTIME, isScriptRuntime } from './script-runtime.js';
export type { ScriptRunOptions, ScriptRunResult, ScriptRuntimeOptions } from './script-runtime.js';
export { ScriptErrorCodes } from './errors.js';
export { parseOutputs, insideProgram, splitInsideStdout, textTail, safeRelativePath, sha256Of } from './script-files.js';
