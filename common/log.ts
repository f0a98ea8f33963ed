/** A minimal structured logger; hosts that embed Khutulun pass their own. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { log: () => {} };

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function stderrLogger(min: LogLevel = 'info'): Logger {
  return {
    log(level, message, fields) {
      if (ORDER[level] < ORDER[min]) return;
      const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
      process.stderr.write(`[${new Date().toISOString()}] ${level}: ${message}${extra}\n`);
    },
  };
}
