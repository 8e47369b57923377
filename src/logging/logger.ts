// The supervisor's own log: text or JSON lines, a level threshold, and an output that is
// stdout, stderr or a file reopened on demand (SIGUSR1, for logrotate's copy-less rotation).
import { openSync, writeSync, closeSync } from 'node:fs';
import type { LoggingConfig, LogLevel } from '../config/types.js';

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Fields): Logger;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where lines go; shared by a logger and its children so that reconfiguring reaches all. */
export class LogSink {
  private fd = 1;
  private ownsFd = false;

  constructor(private settings: LoggingConfig) {
    this.open();
  }

  get level(): LogLevel {
    return this.settings.level;
  }

  /** Applies a new logging block (hot reload). */
  configure(settings: LoggingConfig): void {
    const outputChanged = settings.output !== this.settings.output;
    this.settings = settings;
    if (outputChanged) this.reopen();
  }

  /** Reopens a file output, so a rotated file is let go. */
  reopen(): void {
    if (this.ownsFd) closeSync(this.fd);
    this.open();
  }

  write(level: LogLevel, message: string, fields: Fields): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.settings.level]) return;
    const time = new Date().toISOString();
    const line = this.settings.format === 'json' ? jsonLine(time, level, message, fields) : textLine(time, level, message, fields);
    try {
      writeSync(this.fd, line);
    } catch {
      // A closed stdout (EPIPE) must not take the supervisor down with it.
    }
  }

  private open(): void {
    const output = this.settings.output;
    if (output === 'stdout' || output === '') this.setFd(1, false);
    else if (output === 'stderr') this.setFd(2, false);
    else this.setFd(openSync(output, 'a'), true);
  }

  private setFd(fd: number, owns: boolean): void {
    this.fd = fd;
    this.ownsFd = owns;
  }
}

function jsonLine(time: string, level: LogLevel, message: string, fields: Fields): string {
  return `${JSON.stringify({ time, level, msg: message, ...fields })}\n`;
}

function textLine(time: string, level: LogLevel, message: string, fields: Fields): string {
  const { job, ...rest } = fields;
  const prefix = job === undefined ? '' : `[${job}] `;
  const extras = Object.entries(rest)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}=${formatValue(value)}`)
    .join('');
  return `${time} ${level.toUpperCase().padEnd(5)} ${prefix}${message}${extras}\n`;
}

function formatValue(value: string | number | boolean | undefined): string {
  const text = String(value);
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

export function createLogger(sink: LogSink, fields: Fields = {}): Logger {
  const log = (level: LogLevel) => (message: string, extra?: Fields) => sink.write(level, message, { ...fields, ...extra });
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createLogger(sink, { ...fields, ...more }),
  };
}

/** A logger that drops everything, for tests and quiet CLI verbs. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
