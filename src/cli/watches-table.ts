// `pilotfish watches` for people: one row per watch; with a name, that watch's endpoints one a line.
import { hostPort, type WatchReport } from '../watches/board.js';
import { table } from './status-table.js';

const COLUMNS = ['WATCH', 'SOURCE', 'STATE', 'HEALTHY', 'ENDPOINTS', 'LAST CHANGE'] as const;
/** Endpoints shown in a row of the table; the rest are counted. */
const ROW_ENDPOINTS = 3;

export function formatWatches(reports: readonly WatchReport[]): string {
  if (reports.length === 0) return 'no watches configured\n';
  return `${table([[...COLUMNS], ...reports.map(watchRow)]).join('\n')}\n${problems(reports)}`;
}

export function formatWatch(report: WatchReport): string {
  const lines = [`${report.name} (${report.source}): ${report.state}, ${report.instances} healthy${report.lastChange ? `, last change ${report.lastChange}` : ''}`];
  lines.push(...report.endpoints.map((endpoint) => `  ${hostPort(endpoint)}`));
  return `${lines.join('\n')}\n${problems([report])}`;
}

function watchRow(report: WatchReport): string[] {
  const shown = report.endpoints.slice(0, ROW_ENDPOINTS).map(hostPort);
  const more = report.endpoints.length - shown.length;
  return [
    report.name,
    report.source,
    report.error ? `${report.state} (failing)` : report.state,
    String(report.instances),
    shown.length === 0 ? '-' : `${shown.join(',')}${more > 0 ? ` +${more} more` : ''}`,
    report.lastChange ?? '-',
  ];
}

/** The failures, under the table: they are too long for a column. */
function problems(reports: readonly WatchReport[]): string {
  return reports
    .filter((report) => report.error)
    .map((report) => `${report.name}: failing since ${report.failingSince ?? '?'}: ${report.error}\n`)
    .join('');
}
