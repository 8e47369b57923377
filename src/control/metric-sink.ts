/** Where putmetric values go: the telemetry component, when telemetry is configured. */
export interface MetricSink {
  /** Whether `telemetry.metrics` declares this name. */
  has(name: string): boolean;
  /** Counter: adds; gauge: sets; histogram and summary: observe. */
  put(name: string, value: number): void;
}
