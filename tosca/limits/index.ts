/** Limits on the work one template may cause (sizes, counts, depths), with documented defaults. */
export { DEFAULT_LIMITS, LIMIT_NAMES, resolveLimits, limitHint, parseLimitAssignments } from './limits.js';
export type { ToscaLimits } from './limits.js';
