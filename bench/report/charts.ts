// The headline comparisons as SVG bar charts, written beside docs/benchmarks.md by every report:
// one chart per scenario below, one bar per supervisor (the median, with a line from min to max).
// Hand-written SVG, so the report needs no plotting library.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from '../results.js';

export interface ChartSpec {
  scenario: string;
  file: string;
  title: string;
}

export const CHARTS: readonly ChartSpec[] = [
  { scenario: '1a', file: 'bench-memory.svg', title: 'Idle memory, 10 jobs' },
  { scenario: '2', file: 'bench-cold-start.svg', title: 'Cold start: exec → first job running' },
  { scenario: '3a', file: 'bench-restart.svg', title: 'Restart after a crash' },
  { scenario: '4', file: 'bench-check-cpu.svg', title: 'CPU of 100 HTTP checks at 1 s' },
];

interface Bar {
  name: string;
  median: number;
  min: number;
  max: number;
}

const WIDTH = 640;
const LABEL_WIDTH = 120;
const VALUE_WIDTH = 90;
const BAR_HEIGHT = 22;
const GAP = 8;
const TOP = 40;

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function formatValue(value: number): string {
  return value.toFixed(Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
}

/** The chart of `bars` (pilotfish highlighted), or undefined when there is nothing to draw. */
export function barChart(title: string, unit: string, bars: Bar[]): string | undefined {
  if (bars.length === 0) return undefined;
  const scaleMax = Math.max(...bars.map((bar) => bar.max)) || 1;
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const x = (value: number): number => LABEL_WIDTH + (value / scaleMax) * plotWidth;
  const height = TOP + bars.length * (BAR_HEIGHT + GAP) + GAP;
  const rows = bars.map((bar, index) => {
    const y = TOP + index * (BAR_HEIGHT + GAP);
    const middle = y + BAR_HEIGHT / 2;
    const fill = bar.name === 'pilotfish' ? '#1f77b4' : '#9aa5b1';
    return [
      `<text x="${LABEL_WIDTH - 8}" y="${middle + 4}" text-anchor="end">${escapeXml(bar.name)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${(x(bar.median) - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${fill}"/>`,
      bar.max > bar.min ? `<line x1="${x(bar.min).toFixed(1)}" x2="${x(bar.max).toFixed(1)}" y1="${middle}" y2="${middle}" stroke="#333" stroke-width="1.5"/>` : '',
      `<text x="${(x(bar.max) + 6).toFixed(1)}" y="${middle + 4}">${formatValue(bar.median)}</text>`,
    ]
      .filter(Boolean)
      .join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${LABEL_WIDTH}" y="22" font-weight="bold">${escapeXml(`${title} (${unit}, median; line: min–max)`)}</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}

/** Bars for a scenario's headline metric, in the report's supervisor order. */
function barsOf(results: BenchResults, scenarioId: string): { unit: string; bars: Bar[] } | undefined {
  const scenario = results.scenarios.find((candidate) => candidate.id === scenarioId);
  const headline = scenario?.metrics[0];
  if (!scenario || !headline) return undefined;
  const bars = Object.entries(scenario.outcomes).flatMap(([name, outcome]): Bar[] => {
    const summary = outcome.status === 'measured' ? outcome.metrics[headline.key]?.summary : undefined;
    return summary ? [{ name, median: summary.median, min: summary.min, max: summary.max }] : [];
  });
  return { unit: headline.unit, bars };
}

/** Writes the charts whose scenario the results have into `dir`; returns the ones written. */
export function writeCharts(results: BenchResults, dir: string): ChartSpec[] {
  return CHARTS.filter((spec) => {
    const data = barsOf(results, spec.scenario);
    const svg = data && barChart(spec.title, data.unit, data.bars);
    if (svg) writeFileSync(join(dir, spec.file), svg);
    return svg !== undefined;
  });
}
