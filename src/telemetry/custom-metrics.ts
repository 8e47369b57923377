// The metrics users declare under `telemetry.metrics` (ContainerPilot's schema), set through
// putmetric: a counter adds the value, a gauge takes it, a histogram or summary observes it
// (with prom-client's default buckets and percentiles, as ContainerPilot used its client's).
import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client';
import type { MetricConfig } from '../config/types.js';
import type { MetricSink } from '../contracts/components.js';

type Setter = (value: number) => void;

export class CustomMetrics implements MetricSink {
  private readonly setters = new Map<string, Setter>();

  constructor(metrics: readonly MetricConfig[], registry: Registry) {
    for (const metric of metrics) this.setters.set(metric.name, createSetter(metric, registry));
  }

  has(name: string): boolean {
    return this.setters.has(name);
  }

  put(name: string, value: number): void {
    this.setters.get(name)?.(value);
  }
}

function createSetter({ name, help, type }: MetricConfig, registry: Registry): Setter {
  const options = { name, help, registers: [registry] };
  switch (type) {
    case 'counter': {
      const counter = new Counter(options);
      return (value) => counter.inc(value);
    }
    case 'gauge': {
      const gauge = new Gauge(options);
      return (value) => gauge.set(value);
    }
    case 'histogram': {
      const histogram = new Histogram(options);
      return (value) => histogram.observe(value);
    }
    case 'summary': {
      const summary = new Summary(options);
      return (value) => summary.observe(value);
    }
  }
}
