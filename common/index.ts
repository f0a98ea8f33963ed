export {
  KhutulunError,
  toErrorData,
  fromErrorData,
  asKhutulunError,
  isErrorData,
  isRetryable,
} from './errors.js';
export type { ErrorData, KhutulunErrorOptions } from './errors.js';
export { systemClock, ManualClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { systemRandom, seededRandom } from './random.js';
export type { Random } from './random.js';
export type { Brand } from './brand.js';
export { HOST_ID_RULE, HOST_ID_HINT, isHostId } from './host-id.js';
export { silentLogger, stderrLogger, formatLogLine } from './log.js';
export type { Logger, LogLevel, LogFormat } from './log.js';
export { MetricsRegistry, Counter, Gauge, Histogram, defaultMetrics, PROMETHEUS_CONTENT_TYPE } from './metrics.js';
export type { Labels } from './metrics.js';
export { writeFileAtomic, checkOwnerOnly, corruptState, FileErrors } from './files.js';
export { acquireDirLock } from './dir-lock.js';
export { KeyedMutex } from './keyed-mutex.js';
export type { DirLockOptions } from './dir-lock.js';
