// Renders results as the markdown section of docs/benchmarks.md.
import type { BenchResults, Outcome, ScenarioResult } from '../results.js';
import type { Summary } from '../stats.js';
import type { ChartSpec } from './charts.js';

function number(value: number): string {
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2);
}

function cell(summary: Summary | undefined): string {
  if (!summary) return '—';
  return summary.n > 1 ? `${number(summary.median)} (${number(summary.min)}–${number(summary.max)})` : number(summary.median);
}

function ratio(pilotfish: Outcome | undefined, peer: Outcome, key: string): string {
  if (pilotfish?.status !== 'measured' || peer.status !== 'measured') return '';
  const ours = pilotfish.metrics[key]?.summary.median;
  const theirs = peer.metrics[key]?.summary.median;
  return ours !== undefined && theirs ? `${number(ours / theirs)}×` : '';
}

function scenarioSection(scenario: ScenarioResult): string[] {
  const lines = [`### ${scenario.id}. ${scenario.title}`, ''];
  if (scenario.unavailable) return [...lines, `Unavailable: ${scenario.unavailable}.`, ''];
  lines.push(`Method: ${scenario.method}.`, '');
  if (scenario.measured) lines.push(`Measured ${scenario.measured}.`, '');
  const [headline] = scenario.metrics;
  const measured = Object.entries(scenario.outcomes).filter(([, outcome]) => outcome.status === 'measured');
  const runs = Math.max(0, ...measured.map(([, outcome]) => (outcome.status === 'measured' ? (Object.values(outcome.metrics)[0]?.summary.n ?? 0) : 0)));
  const header = ['supervisor', ...scenario.metrics.map((metric) => `${metric.label} (${metric.unit})`), `pilotfish / peer (${headline!.label})`];
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
  for (const [name, outcome] of measured) {
    if (outcome.status !== 'measured') continue;
    const cells = scenario.metrics.map((metric) => cell(outcome.metrics[metric.key]?.summary));
    lines.push(`| ${[name, ...cells, name === 'pilotfish' ? '' : ratio(scenario.outcomes.pilotfish, outcome, headline!.key)].join(' | ')} |`);
  }
  lines.push('', `Median (min–max) of ${runs} run${runs === 1 ? '' : 's'}.`);
  const notes = Object.entries(scenario.outcomes).flatMap(([name, outcome]) => {
    if (outcome.status === 'measured') return outcome.error ? [`${name}: ${outcome.error}`] : [];
    return [`${name}: ${outcome.status === 'failed' ? `failed: ${outcome.error}` : `${outcome.status} (${outcome.reason})`}`];
  });
  if (notes.length > 0) lines.push(`Not measured or partial: ${notes.join('; ')}.`);
  return [...lines, ''];
}

export function renderMarkdown(results: BenchResults, charts: readonly ChartSpec[] = []): string {
  const machine = results.machine;
  const lines = [
    `Measured ${results.date} (${results.mode} run) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ` +
      `Linux ${machine.kernel}, Node ${machine.node}; load average ${machine.loadAverage1m} at start, ` +
      `${machine.goBuildRunning ? '**a `go build` was running**' : 'no `go build` running'}.`,
    '',
    '| supervisor | version | how it runs the jobs |',
    '| --- | --- | --- |',
    ...Object.entries(results.supervisors).map(
      ([name, info]) => `| ${name} | ${info.available ? info.version : `unavailable: ${info.reason}`} | ${info.note ?? ''} |`,
    ),
    '',
    ...charts.map((chart) => `![${chart.title}](${chart.file})`),
    ...(charts.length > 0 ? [''] : []),
  ];
  for (const scenario of results.scenarios) lines.push(...scenarioSection(scenario));
  return lines.join('\n');
}
