// The client verbs: each sends one request to a running supervisor and prints the answer. Exit
// codes: 0 done, 1 refused by pilotfish or pilotfish unreachable, 2 bad arguments.
import { constants } from 'node:os';
import { parseDuration } from '../config/duration.js';
import type { StatusView } from '../control/status-view.js';
import type { WatchReport } from '../watches/board.js';
import type { OutputLine } from '../jobs/output-log.js';
import { ControlClient, UnreachableError, type ControlResponse } from './control-client.js';
import { toSignalName } from '../config/signal-name.js';
import { EXIT_REFUSED, EXIT_USAGE, exitWithUsageError } from './exit-codes.js';
import { findSocket, UnreadableConfigError } from './find-socket.js';
import { formatStatus } from './status-table.js';
import { formatWatch, formatWatches } from './watches-table.js';

export interface ClientFlags {
  socket?: string;
  config?: string;
}

function client(flags: ClientFlags): ControlClient {
  try {
    return new ControlClient(findSocket(flags, process.env));
  } catch (error) {
    if (!(error instanceof UnreadableConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(EXIT_USAGE);
  }
}

/** Runs a verb; an answer other than 2xx, or no answer at all, is printed to stderr with exit 1. */
async function run(action: () => Promise<ControlResponse | void>): Promise<void> {
  try {
    const response = await action();
    if (response && !succeeded(response)) fail(refusal(response));
  } catch (error) {
    if (error instanceof UnreachableError) fail(error.message);
    throw error;
  }
}

function succeeded(response: ControlResponse): boolean {
  return response.status >= 200 && response.status <= 299;
}

function refusal(response: ControlResponse): string {
  return `pilotfish refused (${response.status}): ${errorMessage(response.body)}`;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(EXIT_REFUSED);
}

function errorMessage(body: string): string {
  try {
    return (JSON.parse(body) as { error?: string }).error ?? body;
  } catch {
    return body;
  }
}

/** `K=V` → [K, V], split on the first `=` (values may contain `=`, ContainerPilot #494); `command` names the verb in a usage error. */
function parseAssignment(command: string, text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) exitWithUsageError(command, `expected NAME=VALUE, got ${JSON.stringify(text)}`);
  return [text.slice(0, at), text.slice(at + 1)];
}

export async function statusCommand(flags: ClientFlags & { json?: boolean; watch?: boolean; interval?: string }): Promise<void> {
  if (flags.watch) return watchStatus(flags, watchInterval(flags.interval));
  await run(async () => {
    const response = await client(flags).call('GET', '/v1/status');
    if (response.status !== 200) return response;
    process.stdout.write(statusText(response.body, flags));
  });
}

/** An answer's JSON body, indented. */
function indentedJson(body: string): string {
  return `${JSON.stringify(JSON.parse(body), null, 2)}\n`;
}

/** The status as `--json` or the table, fitted to the terminal's width when stdout is one. */
function statusText(body: string, flags: { json?: boolean }): string {
  if (flags.json) return indentedJson(body);
  return formatStatus(JSON.parse(body) as StatusView, { width: process.stdout.isTTY ? process.stdout.columns : undefined });
}

/** At most this often, so that an operator's watch cannot keep PID 1 busy answering. */
const MIN_WATCH_INTERVAL_MS = 100;
const DEFAULT_WATCH_INTERVAL = '2s';

function watchInterval(text = DEFAULT_WATCH_INTERVAL): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < MIN_WATCH_INTERVAL_MS) {
    exitWithUsageError('pilotfish status', `--interval must be a duration of at least ${MIN_WATCH_INTERVAL_MS}ms such as "2s" or "500ms", got ${JSON.stringify(text)}`);
  }
  return ms;
}

/**
 * `status --watch`: the status again every `intervalMs` until Ctrl-C (exit 0). On a terminal the
 * screen is cleared and redrawn in place; elsewhere each status follows the last, so a log of
 * them reads in order. pilotfish going away ends it with exit 1 and a line saying so.
 */
async function watchStatus(flags: ClientFlags & { json?: boolean }, intervalMs: number): Promise<void> {
  const control = client(flags);
  process.once('SIGINT', () => process.exit(0));
  // A reader that went away (`| head`) is as good as a Ctrl-C.
  process.stdout.on('error', () => process.exit(0));
  for (let answered = false; ; answered = true) {
    let response: ControlResponse;
    try {
      response = await control.call('GET', '/v1/status');
    } catch (error) {
      if (!(error instanceof UnreachableError)) throw error;
      fail(answered ? `pilotfish went away: ${error.message}` : error.message);
    }
    if (response.status !== 200) fail(refusal(response));
    // JSON documents follow one another bare, as `jq` reads a stream of them.
    const heading = flags.json ? '' : `${answered ? '\n' : ''}every ${formatInterval(intervalMs)}: pilotfish status  ·  ${new Date().toTimeString().slice(0, 8)}\n\n`;
    const text = statusText(response.body, flags);
    process.stdout.write(process.stdout.isTTY ? `${CLEAR_SCREEN}${heading.trimStart()}${text}` : `${heading}${text}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Cursor home, then erase the screen: the next status is drawn where the last one was. */
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

function formatInterval(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export async function pingCommand(flags: ClientFlags): Promise<void> {
  await run(async () => {
    const response = await client(flags).call('GET', '/v1/ping');
    if (response.status === 200) process.stdout.write('ok\n');
    return response;
  });
}

export async function reloadCommand(flags: ClientFlags): Promise<void> {
  await run(async () => {
    const response = await client(flags).call('POST', '/v1/reload');
    if (response.status === 200) {
      const result = JSON.parse(response.body) as Record<'started' | 'restarted' | 'removed', string[]>;
      const changes = (['started', 'restarted', 'removed'] as const).filter((verb) => result[verb].length > 0);
      process.stdout.write(`reloaded: ${changes.map((verb) => `${verb} ${result[verb].join(', ')}`).join('; ') || 'no job changed'}\n`);
    }
    return response;
  });
}

export async function maintenanceCommand(flags: ClientFlags & { mode: string }): Promise<void> {
  const enabled = flags.mode === 'on' || flags.mode === 'enable';
  await run(async () => {
    const response = await client(flags).call('POST', '/v1/maintenance', { enabled });
    if (response.status === 200) process.stdout.write(`maintenance ${enabled ? 'on' : 'off'}\n`);
    return response;
  });
}

export async function envSetCommand(flags: ClientFlags & { assignments: string[] }): Promise<void> {
  const variables = Object.fromEntries(flags.assignments.map((assignment) => parseAssignment('pilotfish env set', assignment)));
  await run(async () => {
    const response = await client(flags).call('POST', '/v1/env', variables);
    if (response.status === 200) process.stdout.write(`env set: ${(JSON.parse(response.body) as { set: string[] }).set.join(', ')} (for processes started from now on)\n`);
    return response;
  });
}

export async function metricCommand(flags: ClientFlags & { assignments: string[]; ignoreUnknown?: boolean }): Promise<void> {
  const values = Object.fromEntries(
    flags.assignments.map((assignment) => {
      const [name, text] = parseAssignment('pilotfish metric', assignment);
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) exitWithUsageError('pilotfish metric', `the value of ${name} must be a number, got ${JSON.stringify(text)}`);
      return [name, value];
    }),
  );
  const assignments = Object.entries(values).map(([name, value]) => `${name}=${value}`).join(', ');
  await run(async () => {
    // ContainerPilot's endpoint skips names it does not know, as its -putmetric did, and says nothing of them.
    const response = await client(flags).call('POST', flags.ignoreUnknown ? '/v3/metric' : '/v1/metrics', values);
    if (succeeded(response)) process.stdout.write(flags.ignoreUnknown ? `metric: sent ${assignments} (names not declared are skipped)\n` : `metric set: ${assignments}\n`);
    return response;
  });
}

/** The word for every job of the config (`restart all`). */
const ALL_JOBS = 'all';

/** Each job of `jobs` (`all`: every job) at once; every answer is printed, and any refusal makes the exit 1. */
export async function jobCommand(flags: ClientFlags & { action: 'start' | 'stop' | 'restart'; jobs: string[] }): Promise<void> {
  const control = client(flags);
  await run(async () => {
    const status = flags.jobs.includes(ALL_JOBS) ? await control.call('GET', '/v1/status') : undefined;
    if (status && status.status !== 200) return status;
    const names = status ? (JSON.parse(status.body) as StatusView).jobs.map((job) => job.name) : [...new Set(flags.jobs)];
    const responses = await Promise.all(names.map((name) => control.call('POST', `/v1/jobs/${encodeURIComponent(name)}/${flags.action}`)));
    for (const response of responses) {
      if (!succeeded(response)) {
        process.stderr.write(`${refusal(response)}\n`);
        continue;
      }
      const { job } = JSON.parse(response.body) as { job: { name: string; state: string; pid?: number } };
      process.stdout.write(`${job.name}: ${job.state}${job.pid === undefined ? '' : ` (pid ${job.pid})`}\n`);
    }
    if (!responses.every(succeeded)) process.exit(EXIT_REFUSED);
  });
}

export async function signalCommand(flags: ClientFlags & { job: string; signal: string }): Promise<void> {
  const signal = signalNamed(flags.signal);
  await run(async () => {
    const response = await client(flags).call('POST', `/v1/jobs/${encodeURIComponent(flags.job)}/signal`, { signal });
    if (response.status === 200) {
      const sent = JSON.parse(response.body) as { job: string; signal: string };
      process.stdout.write(`${sent.job}: sent ${sent.signal}\n`);
    }
    return response;
  });
}

/** `9` → `SIGKILL`, `hup` → `SIGHUP`, as kill(1) takes them (this system's numbers); anything else is a usage error. */
function signalNamed(text: string): string {
  const name = /^\d+$/.test(text) ? Object.entries(constants.signals).find(([, number]) => number === Number(text))?.[0] : toSignalName(text);
  return name ?? exitWithUsageError('pilotfish signal', `${JSON.stringify(text)} is not a signal name or number on this system, such as HUP, SIGTERM or 9`);
}

export async function watchesCommand(flags: ClientFlags & { name?: string; json?: boolean }): Promise<void> {
  await run(async () => {
    const response = await client(flags).call('GET', flags.name === undefined ? '/v1/watches' : `/v1/watches/${encodeURIComponent(flags.name)}`);
    if (response.status !== 200) return response;
    if (flags.json) process.stdout.write(indentedJson(response.body));
    else if (flags.name === undefined) process.stdout.write(formatWatches((JSON.parse(response.body) as { watches: WatchReport[] }).watches));
    else process.stdout.write(formatWatch(JSON.parse(response.body) as WatchReport));
  });
}

export async function logsCommand(flags: ClientFlags & { job?: string; follow?: boolean; lines: number; lifecycle?: boolean }): Promise<void> {
  if (!Number.isSafeInteger(flags.lines) || flags.lines < 0) exitWithUsageError('pilotfish logs', '--lines (-n) must be a whole number of lines, such as 100');
  const query = new URLSearchParams({
    lines: String(flags.lines),
    ...(flags.job ? { job: flags.job } : {}),
    ...(flags.follow ? { follow: 'true' } : {}),
    ...(flags.lifecycle === false ? {} : { lifecycle: 'true' }),
  });
  await run(() =>
    client(flags).stream(`/v1/logs?${query}`, (text) => {
      const line = JSON.parse(text) as OutputLine;
      const out = line.stream === 'stderr' ? process.stderr : process.stdout;
      out.write(`${formatLogLine(line)}\n`);
    }),
  );
}

/**
 * `TIME [web] output`, and `TIME pilotfish[web]: exited with code 3 (pid 42)` for pilotfish's own
 * line: a job's output always follows `[web] `, so it cannot pass for one of pilotfish's. Each
 * line of a multi-line one (a failing check's output) carries the prefix.
 */
function formatLogLine(line: OutputLine): string {
  if (line.stream !== 'pilotfish') return `${line.time} [${line.job}] ${line.line}`;
  const text = `${line.line}${line.pid === undefined ? '' : ` (pid ${line.pid})`}`;
  return text
    .split(/\r?\n/)
    .map((part) => `${line.time} pilotfish[${line.job}]: ${part}`)
    .join('\n');
}
