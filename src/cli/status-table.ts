// `pilotfish status` for people: a header line about the supervisor, one row per job, one line per
// job that waits (what for), and one line in words per component (control, telemetry, discovery,
// kubernetes…). Given a width (a terminal's), every line fits it: the widest free-text column
// gives way first, with an ellipsis, and a job's name never does. Without one (a pipe, a file),
// nothing is cut.
import type { JobView, StatusView } from '../control/status-view.js';

const COLUMNS = ['JOB', 'STATE', 'HEALTH', 'PID', 'RESTARTS', 'UPTIME', 'LAST EXIT', 'LAST CHECK'] as const;
/** Columns of free text, which may be cut to fit: LAST EXIT and LAST CHECK. */
const FREE_TEXT_COLUMNS = [COLUMNS.indexOf('LAST EXIT'), COLUMNS.indexOf('LAST CHECK')];
const GAP = '  ';
const ELLIPSIS = '…';

export interface StatusLayout {
  /** The terminal's width in columns; undefined: lines are never cut. */
  width?: number;
}

export function formatStatus(status: StatusView, layout: StatusLayout = {}): string {
  const header = [
    `pilotfish ${status.version}`,
    `pid ${status.pid}`,
    `up ${formatSeconds(status.uptimeSeconds)}`,
    `config ${status.configFile} (${status.configHash.slice(0, 12)})`,
    status.maintenance ? 'MAINTENANCE' : undefined,
    status.shuttingDown ? 'SHUTTING DOWN' : undefined,
  ].filter(Boolean);
  const fit = (line: string) => cut(line, layout.width);
  const lines = [fit(header.join('  ·  ')), '', ...table([[...COLUMNS], ...status.jobs.map(jobRow)], layout.width)];
  const waiting = status.jobs.filter((job) => job.waitingFor !== undefined);
  if (waiting.length > 0) lines.push('', ...waiting.map((job) => waitLine(job, layout.width)));
  if (status.envSet.length > 0) lines.push('', fit(`env set through the control socket: ${status.envSet.join(', ')}`));
  // A component with an empty list for status (no watches on Kubernetes Services) has nothing to say.
  const components = Object.entries(status.components).filter(([, value]) => !(Array.isArray(value) && value.length === 0));
  if (components.length > 0) lines.push('', ...components.map(([name, value]) => fit(describeComponent(name, value))));
  return `${lines.join('\n')}\n`;
}

function jobRow(job: JobView): string[] {
  return [
    job.name,
    job.state,
    // A job without checks has no health to speak of; `unknown` would read as a check not yet run.
    job.checks === false ? '-' : job.health,
    job.pid === undefined ? '-' : String(job.pid),
    String(job.restarts),
    job.uptimeSeconds === undefined ? '-' : formatSeconds(job.uptimeSeconds),
    job.lastExit ? lastExit(job.lastExit) : '-',
    job.lastCheck ? `${job.lastCheck.ok ? 'ok' : 'fail'}${checkOutput(job.lastCheck.output)}` : '-',
  ].map(oneLine);
}

/** `app waits for healthy from db`, cut after the job's name if need be, never inside it. */
function waitLine(job: JobView, width: number | undefined): string {
  const name = oneLine(job.name);
  const until = job.waitingUntil === undefined ? '' : `, until ${job.waitingUntil} (its when.timeout)`;
  const rest = ` waits for ${oneLine(`${String(job.waitingFor)}${until}`)}`;
  return width === undefined ? `${name}${rest}` : `${name}${cut(rest, Math.max(width - name.length, ELLIPSIS.length))}`;
}

function lastExit(exit: NonNullable<JobView['lastExit']>): string {
  if (exit.error) return `${exit.code} (${exit.error})`;
  return `${exit.code}${exit.signal ? ` (${exit.signal})` : ''}`;
}

function checkOutput(output: string): string {
  const text = oneLine(output);
  return text === '' ? '' : `: ${text}`;
}

/** One line of plain text: whitespace runs become one space, and control characters (a check's escape sequences) cannot reach the terminal. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').trim();
}

/** `text`, or its start and an ellipsis when it is longer than `width`. */
function cut(text: string, width: number | undefined): string {
  if (width === undefined || text.length <= width) return text;
  return width <= 1 ? ELLIPSIS.slice(0, width) : `${text.slice(0, width - 1)}${ELLIPSIS}`;
}

/**
 * Left-aligned columns, two spaces apart, the last one not padded. Within `width`: the free-text
 * columns give way first; if that is not enough (a narrow terminal), each line is cut at the edge,
 * but never inside the job's name.
 */
export function table(rows: string[][], width?: number): string[] {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  if (width !== undefined) narrow(widths, width - GAP.length * (widths.length - 1));
  const edge = width === undefined ? undefined : Math.max(width, (widths[0] ?? 0) + ELLIPSIS.length);
  return rows.map((row) => {
    const cells = row.map((cell, column) => (column === row.length - 1 ? cut(cell, widths[column]) : cut(cell, widths[column]).padEnd(widths[column] ?? 0)));
    return cut(cells.join(GAP), edge);
  });
}

/** Shrinks the widest free-text column, then the next, until the columns fit `room`; never below its heading. */
function narrow(widths: number[], room: number): void {
  let excess = widths.reduce((sum, width) => sum + width, 0) - room;
  while (excess > 0) {
    const [widest, next] = FREE_TEXT_COLUMNS.filter((column) => (widths[column] ?? 0) > (COLUMNS[column]?.length ?? 0)).sort((a, b) => (widths[b] ?? 0) - (widths[a] ?? 0));
    if (widest === undefined) return;
    const floor = Math.max(COLUMNS[widest]?.length ?? 0, next === undefined ? 0 : (widths[next] ?? 0));
    const by = Math.min(excess, Math.max(1, (widths[widest] ?? 0) - floor));
    widths[widest] = (widths[widest] ?? 0) - by;
    excess -= by;
  }
}

/** One line in words: `discovery: consul localhost:8500, 3 registered, 1 watch`. */
function describeComponent(name: string, status: unknown): string {
  // A component whose status is a list (the watches on Kubernetes Services) is described by its items.
  const fields = isRecord(status) ? status : Array.isArray(status) ? { items: status } : {};
  const describe = DESCRIBERS[name];
  const words = describe ? describe(fields) : genericWords(fields);
  return `${COMPONENT_LABELS[name] ?? name}: ${oneLine(words)}`;
}

const COMPONENT_LABELS: Record<string, string> = { serviceManager: 'service manager', kubernetesWatches: 'kubernetes watches' };

type Fields = Record<string, unknown>;

/** What each component's status (see its `status()`) says, in words; a field it lacks (another version of pilotfish) is left out. */
const DESCRIBERS: Record<string, (status: Fields) => string> = {
  control: (status) => `${status.listening === false ? 'not listening on' : 'listening on'} ${String(status.socket)}${problem(status.error)}`,
  telemetry: (status) => (typeof status.port === 'number' ? `metrics at http://${hostPort(status)}/metrics` : `not serving${problem(status.error)}`),
  probes: (status) => (typeof status.port === 'number' ? `/livez and /readyz at http://${hostPort(status)}` : `not serving${problem(status.error)}`),
  discovery: describeDiscovery,
  kubernetes: describeKubernetes,
  kubernetesWatches: (status) => watchesInWords(records(status.items)),
  serviceManager: (status) =>
    `notifying ${String(status.socket)}, ${status.stopping === true ? 'STOPPING=1 sent' : status.ready === true ? 'READY=1 sent' : 'READY=1 not sent yet (jobs still starting)'}`,
};

function describeDiscovery(status: Fields): string {
  if (status.consul === 'off') return `off${problem(status.error)}`;
  const services = records(status.services);
  const watches = records(status.watches);
  const byState = countBy(services.map((service) => String(service.state)));
  const failing = services.filter((service) => service.error !== undefined).length;
  const inMaintenance = services.filter((service) => service.maintenance === true).length;
  const parts = [
    `consul ${String(status.consul)}`,
    ...['registered', 'registering', 'waiting', 'deregistered'].flatMap((state) => (byState[state] ? [`${byState[state]} ${state}`] : [])),
    services.length === 0 ? 'nothing registered' : undefined,
    inMaintenance > 0 ? `${inMaintenance} in maintenance` : undefined,
    failing > 0 ? `${failing} failing to register` : undefined,
    watches.length > 0 ? watchesInWords(watches) : undefined,
  ];
  return `${parts.filter(Boolean).join(', ')}${problem(status.error ?? services.find((service) => service.error !== undefined)?.error)}`;
}

/** `2 watches (1 waiting, 1 failing)`. */
function watchesInWords(watches: Fields[]): string {
  return `${plural(watches.length, 'watch', 'watches')}${watchDetail(watches)}`;
}

/** ` (1 waiting, 1 failing)`, or nothing when every watch has its answer. */
function watchDetail(watches: Fields[]): string {
  const waiting = watches.filter((watch) => watch.state === 'waiting').length;
  const failing = watches.filter((watch) => watch.error !== undefined).length;
  const detail = [waiting > 0 ? `${waiting} waiting` : undefined, failing > 0 ? `${failing} failing` : undefined].filter(Boolean);
  return detail.length > 0 ? ` (${detail.join(', ')})` : '';
}

function describeKubernetes(status: Fields): string {
  const writes = typeof status.statusWrites === 'number' ? status.statusWrites : 0;
  const sync = status.synced === true ? 'in sync' : writes > 0 ? 'the last write failed, retrying' : 'not written yet';
  const events = typeof status.eventWrites === 'number' ? `, ${plural(status.eventWrites, 'event')} posted` : '';
  return `writing status of autopilot ${String(status.object)}, ${sync}, ${plural(writes, 'status write')}${events}`;
}

function hostPort(status: Fields): string {
  const address = String(status.address);
  return `${address.includes(':') ? `[${address}]` : address}:${String(status.port)}`;
}

/** `: <error>`, or nothing. */
function problem(error: unknown): string {
  return error === undefined ? '' : `: ${String(error)}`;
}

/** For a component without words of its own: its plain fields as `key=value`. */
function genericWords(status: Fields): string {
  return Object.entries(status)
    .map(([key, value]) => `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Fields[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** 0s, 42s, 5m3s, 2h7m, 3d4h: the two largest units. */
function formatSeconds(total: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(total));
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || (parts.length > 0 && parts.length < 2)) parts.push(`${count}${unit}`);
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join('') : '0s';
}
