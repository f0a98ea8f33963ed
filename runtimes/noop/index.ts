export { NoopRuntime } from './noop-runtime.js';
export type { NoopRuntimeOptions, NoopJournalEntry } from './noop-runtime.js';
