// One log record in pilotfish's text layout, as logfmt or as JSON: always whole lines that a log
// shipper reads back as the records they were. Nothing a job prints or is named can start a line
// of its own or reach the reader's terminal as an escape sequence.
import type { LogLevel } from '../config/types.js';

export type Fields = Record<string, string | number | boolean | undefined>;

/**
 * `default`: `TIME LEVEL pid=N stream [job] message key=value…`. The pid and the stream are the
 * prefix, so that a job's own line (its JSON, say) stays intact at the end of ours, and `[job]`
 * still introduces the message. A multi-line message gives one line each, every one with the
 * whole prefix.
 */
export function textLines(time: string, level: LogLevel, message: string, fields: Fields): string {
  const { job, pid, stream } = fields;
  let head = `${time} ${TEXT_LEVEL[level]} `;
  if (pid !== undefined) head += `pid=${pid} `;
  if (stream !== undefined) head += `${stream} `;
  if (job !== undefined) head += `[${escapeControls(String(job))}] `;
  let extras = '';
  for (const key in fields) {
    const value = fields[key];
    if (value !== undefined && key !== 'job' && key !== 'pid' && key !== 'stream') extras += ` ${escapeControls(key)}=${formatValue(value)}`;
  }
  // A job's output line never has a newline: no splitting, once per line of a flood.
  if (!message.includes('\n')) return `${head}${escapeControls(message)}${extras}\n`;
  return message
    .split(/\r?\n/)
    .map((line, index) => `${head}${escapeControls(line)}${index === 0 ? extras : ''}\n`)
    .join('');
}

/** The level as the text layout writes it, padded to line up. */
const TEXT_LEVEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };

/**
 * `text`: logfmt, as ContainerPilot's `text` format wrote it (logrus' TextFormatter):
 * `time="…" level=info msg="…"`, then the fields by name (`job=web pid=42`), so a log pipeline
 * built for ContainerPilot reads it unchanged: the time to the second (RFC 3339, a parser's fixed
 * layout for it fails on a fraction), no `msg` for an empty line. A record is one line: a newline
 * in it is written `\n`.
 */
export function logfmtLine(time: string, level: LogLevel, message: string, fields: Fields): string {
  const pairs = [`time=${logfmtValue(time.replace(/\.\d+Z$/, 'Z'))}`, `level=${LOGRUS_LEVEL[level]}`];
  if (message !== '') pairs.push(`msg=${logfmtValue(message)}`);
  for (const [key, value] of sortedFields(fields)) pairs.push(`${escapeControls(key)}=${logfmtValue(value)}`);
  return `${pairs.join(' ')}\n`;
}

/**
 * `json`: one object per record, as ContainerPilot's `json` format wrote it (logrus'
 * JSONFormatter): `time`, `level`, the line as a string under `msg` (a job's own JSON line too),
 * and the fields.
 */
export function jsonLine(time: string, level: LogLevel, message: string, fields: Fields): string {
  const record: Record<string, string | number | boolean> = { time, level: LOGRUS_LEVEL[level], msg: message };
  for (const [key, value] of sortedFields(fields)) record[key] = value;
  return `${jsonEscaped(JSON.stringify(record))}\n`;
}

/** logrus' names: `warning`, where pilotfish's config and text layout say WARN. */
const LOGRUS_LEVEL: Record<LogLevel, string> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };

/** The defined fields by name; one named as a record's own key becomes `fields.NAME`, as logrus does. */
function sortedFields(fields: Fields): Array<[string, string | number | boolean]> {
  return Object.entries(fields)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([key, value]): [string, string | number | boolean] => [key === 'time' || key === 'level' || key === 'msg' ? `fields.${key}` : key, value])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Bare where logrus writes a value bare (letters, digits, `-._/@^+`), else quoted with escapes. */
function logfmtValue(value: string | number | boolean): string {
  const text = String(value);
  return /^[\w\-./@^+]+$/.test(text) ? text : jsonEscaped(JSON.stringify(text));
}

/**
 * JSON text with DEL, the C1 controls and the line separators, which JSON.stringify leaves raw, as
 * `\u` escapes too: JSON and logfmt parsers (go-logfmt's, Loki's) take no other kind.
 */
function jsonEscaped(json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// C0 controls but tab, DEL, C1 controls (a lone 0x9b is a terminal's CSI), and the Unicode line
// and paragraph separators that some readers break lines at.
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g;
// Testing first is five times cheaper than a replace that finds nothing, which most lines are.
const ANY_CONTROL = new RegExp(CONTROLS.source);
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

/** Control characters as visible escapes (`\n`, `\x1b`, `\u2028`). */
export function escapeControls(text: string): string {
  if (!ANY_CONTROL.test(text)) return text;
  return text.replace(CONTROLS, (char) => {
    const code = char.charCodeAt(0);
    return NAMED[char] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
  });
}

function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return /[\s"=]/.test(text) ? escapeControls(JSON.stringify(text)) : escapeControls(text);
}
