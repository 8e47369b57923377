// `pilotfish status` for people: a header line about the supervisor, one row per job, and one line
// per component (discovery, telemetry, …).
import type { JobView, StatusView } from '../control/status-view.js';

const COLUMNS = ['JOB', 'STATE', 'HEALTH', 'PID', 'RESTARTS', 'UPTIME', 'LAST EXIT', 'LAST CHECK'] as const;
const CHECK_OUTPUT_WIDTH = 50;

export function formatStatus(status: StatusView): string {
  const header = [
    `pilotfish ${status.version}`,
    `pid ${status.pid}`,
    `up ${formatSeconds(status.uptimeSeconds)}`,
    `config ${status.configFile} (${status.configHash.slice(0, 12)})`,
    status.maintenance ? 'MAINTENANCE' : undefined,
    status.shuttingDown ? 'SHUTTING DOWN' : undefined,
  ].filter(Boolean);
  const rows = status.jobs.map(jobRow);
  const lines = [header.join('  ·  '), '', ...table([[...COLUMNS], ...rows])];
  if (status.envSet.length > 0) lines.push('', `env set through the control socket: ${status.envSet.join(', ')}`);
  const components = Object.entries(status.components);
  if (components.length > 0) lines.push('', ...components.map(([name, value]) => `${name}: ${JSON.stringify(value)}`));
  return `${lines.join('\n')}\n`;
}

function jobRow(job: JobView): string[] {
  return [
    job.name,
    job.state,
    job.health,
    job.pid === undefined ? '-' : String(job.pid),
    String(job.restarts),
    job.uptimeSeconds === undefined ? '-' : formatSeconds(job.uptimeSeconds),
    job.lastExit ? `${job.lastExit.code}${job.lastExit.signal ? ` (${job.lastExit.signal})` : ''}` : '-',
    job.lastCheck ? `${job.lastCheck.ok ? 'ok' : 'fail'}${checkOutput(job.lastCheck.output)}` : '-',
  ];
}

function checkOutput(output: string): string {
  const oneLine = output.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '';
  return `: ${oneLine.length > CHECK_OUTPUT_WIDTH ? `${oneLine.slice(0, CHECK_OUTPUT_WIDTH - 1)}…` : oneLine}`;
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '));
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
