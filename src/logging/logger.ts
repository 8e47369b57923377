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
    [this.fd, this.ownsFd] = openOutput(settings.output);
  }

  get level(): LogLevel {
    return this.settings.level;
  }

  /** Applies a new logging block (hot reload); an output that cannot be opened leaves the old one in use. */
  configure(settings: LoggingConfig): void {
    const previousOutput = this.settings.output;
    this.settings = settings;
    if (settings.output !== previousOutput && !this.reopen()) this.settings = { ...settings, output: previousOutput };
  }

  /**
   * Reopens the output, so a rotated file is let go. The new file is opened before the old one is
   * closed: if it cannot be (a full disk, a removed directory), logging goes on where it was, with
   * an error line saying why. False in that case.
   */
  reopen(): boolean {
    let opened: [number, boolean];
    try {
      opened = openOutput(this.settings.output);
    } catch (error) {
      this.write('error', `cannot open log output ${this.settings.output}, logging here instead: ${(error as Error).message}`, {});
      return false;
    }
    if (this.ownsFd) closeSync(this.fd);
    [this.fd, this.ownsFd] = opened;
    return true;
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

}

/** The descriptor for an output, and whether it is ours to close. */
function openOutput(output: string): [number, boolean] {
  if (output === 'stdout' || output === '') return [1, false];
  if (output === 'stderr') return [2, false];
  return [openSync(output, 'a'), true];
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
