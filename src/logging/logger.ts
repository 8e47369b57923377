// The supervisor's own log: pilotfish's text layout, logfmt or JSON lines, a level threshold, and
// an output that is stdout, stderr or a file reopened on demand (SIGUSR1, for logrotate's
// copy-less rotation).
// Writing never blocks (output.ts says how): a stalled reader costs lines, never supervision.
import type { LoggingConfig, LogLevel } from '../config/types.js';
import { isoTimestamp } from '../util/timestamp.js';
import { jsonLine, logfmtLine, textLines, type Fields } from './format.js';
import { LogOutput } from './output.js';

export type { Fields } from './format.js';

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Fields): Logger;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const FORMATTERS: Record<LoggingConfig['format'], typeof textLines> = { default: textLines, text: logfmtLine, json: jsonLine };

/** Where lines go; shared by a logger and its children so that reconfiguring reaches all. */
export class LogSink {
  private output: LogOutput;
  /** What `output` was opened for. */
  private openedOutput: string;

  constructor(private settings: LoggingConfig) {
    this.output = this.openOutput(settings.output);
    this.openedOutput = settings.output;
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
    // stdout and stderr stay as they are: reopening them would only drop what is queued.
    if (this.settings.output === this.openedOutput && isStandardStream(this.openedOutput)) return true;
    let opened: LogOutput;
    try {
      opened = this.openOutput(this.settings.output);
    } catch (error) {
      this.write('error', `cannot open log output ${this.settings.output}, logging here instead: ${(error as Error).message}`, {});
      return false;
    }
    this.output.close();
    this.output = opened;
    this.openedOutput = this.settings.output;
    return true;
  }

  write(level: LogLevel, message: string, fields: Fields): void {
    if (LEVEL_RANK[level] < LEVEL_RANK[this.settings.level]) return;
    // A job's output lines carry their stream; everything else is pilotfish's own word.
    this.output.write(this.format(level, message, fields), !('stream' in fields));
  }

  private format(level: LogLevel, message: string, fields: Fields): string {
    return FORMATTERS[this.settings.format](isoTimestamp(), level, message, fields);
  }

  private openOutput(output: string): LogOutput {
    const notice = (count: number) =>
      this.format('warn', `${count} log line${count === 1 ? '' : 's'} dropped: the log output was not taking them`, { dropped: count });
    if (output === 'stdout' || output === '') return LogOutput.forStandardStream(1, notice);
    if (output === 'stderr') return LogOutput.forStandardStream(2, notice);
    return LogOutput.forFile(output, notice);
  }
}

export function createLogger(sink: LogSink, fields: Fields = {}): Logger {
  // Without extra fields no copy: a job's output lines are logged through a child made per run.
  const log = (level: LogLevel) => (message: string, extra?: Fields) => sink.write(level, message, extra === undefined ? fields : { ...fields, ...extra });
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

function isStandardStream(output: string): boolean {
  return output === 'stdout' || output === 'stderr' || output === '';
}
