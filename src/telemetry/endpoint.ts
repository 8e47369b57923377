// Where the telemetry endpoint listens, as its component's status shows it. Kept apart from the
// server so that readers (discovery registers the endpoint in Consul) do not load prom-client.

export interface TelemetryEndpoint {
  address: string;
  port: number;
  tags: string[];
}

/** The endpoint in a telemetry status (`snapshot().components.telemetry`), if it listens. */
export function listeningEndpoint(status: unknown): TelemetryEndpoint | undefined {
  if (typeof status !== 'object' || status === null) return undefined;
  const { address, port, tags } = status as Partial<TelemetryEndpoint>;
  return typeof address === 'string' && typeof port === 'number' && Array.isArray(tags) ? { address, port, tags } : undefined;
}
