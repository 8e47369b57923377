// One log record as text or as JSON, always whole lines that a log shipper reads back as the
// records they were: nothing a job prints or is named can start a line of its own or reach the
// reader's terminal as an escape sequence.
import type { LogLevel } from '../config/types.js';
import { isPlainObject } from '../util/records.js';

export type Fields = Record<string, string | number | boolean | undefined>;

/**
 * Text: `TIME LEVEL pid=N stream [job] message key=value…`. The pid and the stream are the prefix,
 * so that a job's own line (its JSON, say) stays intact at the end of ours, and `[job]` still
 * introduces the message. A multi-line message gives one line each, every one with the whole prefix.
 */
export function textLines(time: string, level: LogLevel, message: string, fields: Fields): string {
  const { job, pid, stream, ...rest } = fields;
  const tags = [pid === undefined ? undefined : `pid=${pid}`, stream, job === undefined ? undefined : `[${escapeControls(String(job))}]`];
  const prefix = tags.filter((tag) => tag !== undefined).map((tag) => `${String(tag)} `).join('');
  const head = `${time} ${level.toUpperCase().padEnd(5)} ${prefix}`;
  const extras = Object.entries(rest)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${escapeControls(key)}=${formatValue(value as string | number | boolean)}`)
    .join('');
  return message
    .split(/\r?\n/)
    .map((line, index) => `${head}${escapeControls(line)}${index === 0 ? extras : ''}\n`)
    .join('');
}

/**
 * JSON: one object per record. A message that is itself a JSON object (a job's structured log
 * line) is kept as the object, under `json`, instead of as a string under `msg`.
 */
export function jsonLine(time: string, level: LogLevel, message: string, fields: Fields): string {
  const object = parseObject(message);
  try {
    if (object !== undefined) return `${JSON.stringify({ time, level, json: object, ...fields })}\n`;
  } catch {
    // Nested too deeply to write back: kept as the text it came as.
  }
  return `${JSON.stringify({ time, level, msg: message, ...fields })}\n`;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

// C0 controls but tab, DEL, C1 controls (a lone 0x9b is a terminal's CSI), and the Unicode line
// and paragraph separators that some readers break lines at.
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

/** Control characters as visible escapes (`\n`, `\x1b`, `\u2028`). */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (char) => {
    const code = char.charCodeAt(0);
    return NAMED[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
  });
}

function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return /[\s"=]/.test(text) ? escapeControls(JSON.stringify(text)) : escapeControls(text);
}
