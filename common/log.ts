/** A minimal structured logger; hosts that embed Khutulun pass their own. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { log: () => {} };

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export type LogFormat = 'text' | 'json';

/** One log line: `[time] level: message {fields}` as text, or one JSON object (`--log-format json`). */
export function formatLogLine(format: LogFormat, at: Date, level: LogLevel, message: string, fields?: Record<string, unknown>): string {
  if (format === 'json') {
    let extra: Record<string, unknown> = {};
    try {
      extra = fields ? (JSON.parse(JSON.stringify(fields)) as Record<string, unknown>) : {};
    } catch {
      extra = { fields: String(fields) };
    }
    return `${JSON.stringify({ time: at.toISOString(), level, msg: message, ...extra })}\n`;
  }
  const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
  return `[${at.toISOString()}] ${level}: ${message}${extra}\n`;
}

/** Writes to stderr; the format is given, else $KHUTULUN_LOG_FORMAT (`json`), else text. */
export function stderrLogger(min: LogLevel = 'info', format?: LogFormat): Logger {
  const f: LogFormat = format ?? (process.env['KHUTULUN_LOG_FORMAT'] === 'json' ? 'json' : 'text');
  return {
    log(level, message, fields) {
      if (ORDER[level] < ORDER[min]) return;
      process.stderr.write(formatLogLine(f, new Date(), level, message, fields));
    },
  };
}
