// The schema of the config document as users write it (after `normalize.ts` has turned snake_case
// keys into camelCase): a superset of ContainerPilot v3. Each value is parsed into its `Config`
// type here — durations into milliseconds, `exec` into a Command, `when` into a When, probes into a
// HealthProbe — together with the defaults that belong to the value itself (an HTTP probe's
// method, a TCP probe's host). Defaults for omitted fields, and rules that need the whole job or
// the whole document, live in `build.ts`, `rules.ts` and `graph.ts`.
import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import { z } from 'zod';
import { CommandError, parseCommand } from './command.js';
import { formatDuration, MAX_DURATION, parseDuration } from './duration.js';
import { argumentProblem, environmentNameProblem, environmentValueProblem } from './exec-limits.js';
import { didYouMean, expected, quoteKey } from './messages.js';
import { SIGNAL_NAMES, toSignalName } from './signal-name.js';
import {
  EVENT_NAMES,
  HOOKABLE_SIGNALS,
  type Command,
  type ConsulConfig,
  type HealthProbe,
  type HookableSignal,
  type LogLevel,
  type Millis,
  type MetricConfig,
  type When,
  type WatchConfig,
} from './types.js';

/** Consul's service-name rule, which ContainerPilot applies to watches and to jobs with a `port`. */
export const SERVICE_NAME = /^[a-z][a-zA-Z0-9-]+$/;

function isHookableSignal(source: string): source is HookableSignal {
  return (HOOKABLE_SIGNALS as readonly string[]).includes(source);
}

/** Reports a problem from inside a transform, whose result is then discarded. */
function reject(ctx: z.core.$RefinementCtx, message: string, path: PropertyKey[] = []): never {
  ctx.addIssue({ code: 'custom', message, path });
  return z.NEVER;
}

/** A string that `parse` turns into its canonical form; what it rejects reads "expected <what>, got …". */
function parsedString<T>(what: string, parse: (text: string) => T | undefined, suggestions: readonly string[] = []) {
  return z
    .string({ error: (issue) => expected(what, issue.input) })
    .transform((text, ctx) => parse(text) ?? reject(ctx, expected(what, text) + didYouMean(text, suggestions, 'value')));
}

/** The same for fields that also take a number (durations, counts, ports). */
function parsedStringOrNumber<T>(what: string, parse: (value: string | number) => T | undefined) {
  return z
    .union([z.string(), z.number()], { error: (issue) => expected(what, issue.input) })
    .transform((value, ctx) => parse(value) ?? reject(ctx, expected(what, value)));
}

/** A non-negative integer given as a number or as a string of digits (ContainerPilot decoded weakly typed). */
function wholeNumber(value: string | number): number | undefined {
  const number = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

function toPort(value: string | number): number | undefined {
  const port = wholeNumber(value);
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
}

const DURATION = 'a duration such as "10s" or a number of seconds';

function duration(minimum: Millis = 0) {
  return parsedStringOrNumber(DURATION, parseDuration)
    .refine((ms) => ms >= minimum, {
      error: (issue) => `must be at least ${formatDuration(minimum)}, got ${formatDuration(issue.input as Millis)}`,
    })
    .refine((ms) => ms <= MAX_DURATION, {
      error: (issue) => `must be at most ${formatDuration(MAX_DURATION)} (20 days), got ${describeDuration(issue.input as Millis)}`,
    });
}

/** Huge values (`1e400` seconds) are Infinity, which formatDuration cannot spell. */
function describeDuration(ms: Millis): string {
  return Number.isFinite(ms) ? formatDuration(ms) : 'an unbounded duration';
}

const nonBlank = z.string().refine((text) => text.trim() !== '', { error: 'must not be blank' });

const port = parsedStringOrNumber('a port number from 1 to 65535', toPort);

/** A port to listen on: 0 picks a free one (tests, and setups that only read it from `status`). */
const listenPort = parsedStringOrNumber('a port number from 0 to 65535', (value) => (value === 0 || value === '0' ? 0 : toPort(value)));

/** Environment, Consul meta, HTTP headers: string values, with numbers and booleans taken as their text. */
const stringMap = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean()], { error: (issue) => expected('a string', issue.input) }).transform(String),
);

/** A job's extra environment: names and values execve accepts. */
const environment = stringMap.superRefine((variables, ctx) => {
  for (const [name, value] of Object.entries(variables)) {
    const problem = environmentNameProblem(name) ?? environmentValueProblem(name, value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
  }
});

const COMMAND = 'a command string or an array of strings';
const command = z
  .union([z.string(), z.array(z.string())], { error: (issue) => expected(COMMAND, issue.input) })
  .transform((exec, ctx) => {
    let parsed: Command;
    try {
      parsed = parseCommand(exec);
    } catch (error) {
      if (error instanceof CommandError) return reject(ctx, error.message);
      throw error;
    }
    const problem = parsed.argv.map(argumentProblem).find((found) => found !== undefined);
    return problem === undefined ? parsed : reject(ctx, problem);
  })
  .describe('A command line, split like a shell would (run by /bin/sh when it uses shell syntax), or an argv array.');

const signal = parsedString('a signal name such as "SIGTERM"', toSignalName, SIGNAL_NAMES);

function parseRestarts(value: string | number): number | undefined {
  if (value === 'unlimited') return Infinity;
  if (value === 'never') return 0;
  return wholeNumber(value);
}
const restarts = parsedStringOrNumber('"unlimited", "never" or a whole number of restarts', parseRestarts).describe(
  'Starts after an exit: "unlimited", "never" (default; "unlimited" for periodic jobs) or a number.',
);

const eventName = z.enum(EVENT_NAMES);

const rawLogging = z.strictObject({
  raw: z.boolean().optional().describe('Pass output through unmodified instead of as log lines.'),
});

const TRIGGERS = ['interval', 'once', 'each'] as const;

const when = z
  .strictObject({
    source: nonBlank.optional().describe('A job name, "watch.<name>", "global", "SIGHUP" or "SIGUSR2".'),
    once: eventName.optional().describe('Start on the first such event of `source`.'),
    each: eventName.optional().describe('Start on every such event of `source`.'),
    interval: duration(1).optional().describe('Run at startup and then periodically.'),
    timeout: duration().optional().describe('Give up waiting for the event after this long (0: wait forever).'),
  })
  .transform((input, ctx): When => {
    const [first, second] = TRIGGERS.filter((key) => input[key] !== undefined);
    if (first !== undefined && second !== undefined) {
      const message = `cannot be combined with ${quoteKey(first)}: a job starts on one of \`interval\`, \`once\` or \`each\``;
      return reject(ctx, message, [second]);
    }
    const { source, once, each, interval, timeout } = input;
    // ContainerPilot ignores `source` and `timeout` next to `interval`, so they are accepted and ignored.
    if (interval !== undefined) return { kind: 'interval', interval };
    // A timeout of 0 is no timeout, as in ContainerPilot.
    const limits = timeout ? { timeout } : {};
    if (source === undefined) {
      if (first !== undefined) return reject(ctx, 'needs a `source`: the job or watch whose event starts this job', [first]);
      return { kind: 'startup', ...limits };
    }
    if (isHookableSignal(source)) {
      if (first !== undefined) return reject(ctx, `is not used with a signal source: the job runs on every ${source}`, [first]);
      return { kind: 'event', source, event: 'signal', repeat: 'each', ...limits };
    }
    if (each !== undefined) return { kind: 'event', source, event: each, repeat: 'each', ...limits };
    if (once !== undefined) return { kind: 'event', source, event: once, repeat: 'once', ...limits };
    return reject(ctx, `needs \`once\` or \`each\`: which event of ${JSON.stringify(source)} starts the job`, ['source']);
  })
  .describe('When the job starts: at startup (default), on an event of another job or watch, or every `interval`.');

function parseHttpUrl(text: string): string | undefined {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:' ? text : undefined;
  } catch {
    return undefined;
  }
}
const HTTP_URL = 'an http:// or https:// URL';
const httpStatus = z.int().min(100).max(599);
interface HttpTarget {
  url: string;
  method?: 'GET' | 'HEAD' | 'POST' | undefined;
  headers?: Record<string, string> | undefined;
  expectStatus?: number[] | undefined;
}
function httpProbeOf({ method = 'GET', headers = {}, ...target }: HttpTarget): HealthProbe {
  return { type: 'http', method, headers, ...target };
}
const httpProbe = z.union(
  [
    parsedString(HTTP_URL, parseHttpUrl).transform((url) => httpProbeOf({ url })),
    z
      .strictObject({
        url: parsedString(HTTP_URL, parseHttpUrl),
        method: z.enum(['GET', 'HEAD', 'POST']).optional(),
        headers: stringMap.optional(),
        // A single status is the common case (`expectStatus: 204`), so it need not be a list.
        expectStatus: z
          .union([httpStatus.transform((status) => [status]), z.array(httpStatus).min(1)])
          .optional()
          .describe('Status, or list of statuses, that pass (default: any 2xx).'),
      })
      .transform(httpProbeOf),
  ],
  { error: (issue) => expected(`${HTTP_URL} or an object with \`url\``, issue.input) },
);

// `[::1]:8080` for IPv6 hosts, as in URLs.
const HOST_AND_PORT = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/;
function parseHostAndPort(text: string): { host: string; port: number } | undefined {
  const match = HOST_AND_PORT.exec(text);
  const port = match?.[3] === undefined ? undefined : toPort(match[3]);
  const host = match?.[1] ?? match?.[2];
  return host === undefined || port === undefined ? undefined : { host, port };
}
const tcpProbe = z.union(
  [
    parsedString('"host:port"', parseHostAndPort).transform((target): HealthProbe => ({ type: 'tcp', ...target })),
    z
      .strictObject({ host: nonBlank.optional(), port })
      .transform(({ host = '127.0.0.1', port }): HealthProbe => ({ type: 'tcp', host, port })),
  ],
  { error: (issue) => expected('"host:port" or an object with `port`', issue.input) },
);

const PROBES = ['exec', 'http', 'tcp'] as const;

const health = z
  .strictObject({
    exec: command.optional(),
    http: httpProbe.optional(),
    tcp: tcpProbe.optional(),
    interval: duration(1).describe('Time between checks; a number means seconds.'),
    ttl: duration(1).optional().describe('TTL of the Consul check; required when the job has a `port`.'),
    timeout: duration(1).optional().describe('Limit for one check (default: the interval).'),
    threshold: z.int().min(1).optional().describe('Consecutive failures needed to become unhealthy (default 1).'),
    successThreshold: z.int().min(1).optional().describe('Consecutive successes needed to become healthy (default 1).'),
    onUnhealthy: z.enum(['ignore', 'restart']).optional(),
    level: z
      .enum(['alive', 'ready'])
      .optional()
      .describe('Which probe endpoint this check counts for, as in Pebble: "alive" fails /livez and /readyz, "ready" (default) only /readyz.'),
    logging: rawLogging.optional(),
  })
  .transform(({ exec, http, tcp, ...timing }, ctx) => {
    const probes = { exec: exec && ({ type: 'exec', command: exec } satisfies HealthProbe), http, tcp };
    const [first, second] = PROBES.filter((key) => probes[key] !== undefined);
    if (first === undefined) return reject(ctx, 'needs a probe: one of `exec`, `http` or `tcp`');
    if (second !== undefined) return reject(ctx, `cannot be combined with ${quoteKey(first)}: a check runs one probe`, [second]);
    return { probe: probes[first] as HealthProbe, ...timing };
  })
  .describe('How the job is health-checked: exactly one of `exec`, `http` or `tcp`, every `interval`.');

const backoff = z
  .strictObject({
    delay: duration().optional().describe('First delay after a quick crash (default 500ms).'),
    factor: z.number().min(1).optional().describe('Multiplier for each further delay (default 2).'),
    limit: duration().optional().describe('Longest delay (default 30s).'),
    resetAfter: duration().optional().describe('A run this long counts as stable and resets the delay (default 10s).'),
  })
  .describe('Delays between restarts.');

const job = z.strictObject({
  name: nonBlank.describe('Used in logs, as an event source and as the Consul service name.'),
  exec: command.optional(),
  env: environment.optional().describe('Extra environment variables for the process.'),
  cwd: nonBlank.optional(),
  logging: rawLogging.optional(),
  when: when.optional(),
  timeout: duration(1).optional().describe('Run-time limit; the process group is killed when it is exceeded.'),
  stopTimeout: duration().optional().describe('Wait after the stop signal before SIGKILL (default: the top-level stopTimeout).'),
  stopSignal: signal.optional().describe('Signal sent to stop the job (default SIGTERM).'),
  restarts: restarts.optional(),
  backoff: backoff.optional(),
  onExit: z
    .enum(['ignore', 'shutdown', 'shutdownOnFailure'])
    .optional()
    .describe('What the supervisor does when the job has ended for good.'),
  notify: z.boolean().optional().describe('Serve NOTIFY_SOCKET to the job; READY=1 makes it healthy.'),
  health: health.optional(),
  port: port.optional().describe('Registers the job in Consul with this port; needs `health` with a `ttl`.'),
  tags: z.array(z.string()).optional(),
  meta: stringMap.optional().describe('Consul service metadata.'),
  interfaces: z
    .union([z.string(), z.array(z.string())], {
      error: (issue) => expected('an interface spec or an array of them', issue.input),
    })
    .transform((spec) => (typeof spec === 'string' ? [spec] : spec))
    .optional()
    .describe('Where to find the address to advertise, first match wins (default ["eth0:inet", "inet"]).'),
  initialStatus: z.enum(['passing', 'warning', 'critical']).optional().describe('Register right away with this status.'),
  consul: z
    .strictObject({
      enableTagOverride: z.boolean().optional(),
      deregisterCriticalServiceAfter: duration(1).optional(),
    })
    .optional(),
});

const serviceName = z
  .string()
  .regex(SERVICE_NAME, { error: (issue) => expected(`a service name matching ${SERVICE_NAME.source}`, issue.input) });

/** A Kubernetes Service's name (DNS-1035 label), which names its EndpointSlices' label value. */
const KUBERNETES_SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const WATCH_SOURCES = ['consul', 'kubernetes'] as const;
/** Each source's own keys: a key of the other source is a mistake worth naming. */
const WATCH_KEYS = { consul: ['interval', 'tag', 'dc'], kubernetes: ['namespace', 'port'] } as const;

// One shape for both sources, so that a ContainerPilot watch is unchanged and moving it to a
// Kubernetes Service is `source: "kubernetes"` in place of its Consul-only keys.
const watch = z
  .strictObject({
    name: serviceName,
    source: z.enum(WATCH_SOURCES).optional().describe('Where the service is looked up: "consul" (default) or "kubernetes" (a Service\'s EndpointSlices).'),
    interval: duration(1).optional().describe('Consul: time between polls; a number means seconds.'),
    tag: z.string().optional().describe('Consul: only instances with this tag.'),
    dc: z.string().optional().describe('Consul: the datacenter.'),
    namespace: nonBlank.optional().describe('Kubernetes: the Service\'s namespace (default: the pod\'s).'),
    port: z
      .union([nonBlank, z.number().int().min(1).max(65535)], { error: (issue) => expected('a port name or number', issue.input) })
      .optional()
      .describe('Kubernetes: the Service port, by name or number (default: its only port).'),
  })
  .transform((input, ctx): WatchConfig => {
    const source = input.source ?? 'consul';
    const other = source === 'consul' ? 'kubernetes' : 'consul';
    for (const key of WATCH_KEYS[other]) {
      if (input[key] !== undefined) ctx.addIssue({ code: 'custom', message: `is for watches with source "${other}", this one's source is "${source}"`, path: [key] });
    }
    if (source === 'kubernetes') {
      if (!KUBERNETES_SERVICE_NAME.test(input.name)) ctx.addIssue({ code: 'custom', message: expected(`a Kubernetes Service name matching ${KUBERNETES_SERVICE_NAME.source}`, input.name), path: ['name'] });
      return { source, name: input.name, ...optional('namespace', input.namespace), ...optional('port', input.port) };
    }
    if (input.interval === undefined) ctx.addIssue({ code: 'custom', message: 'is required', path: ['interval'] });
    return { ...optional('source', input.source), name: input.name, interval: input.interval ?? 0, ...optional('tag', input.tag), ...optional('dc', input.dc) };
  });

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// host, host:port or [ipv6]:port
const ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s/:[\]]+)(?::(\d+))?$/;
function parseAddress(text: string): string | undefined {
  const match = ADDRESS.exec(text);
  if (match === null) return undefined;
  return match[1] === undefined || toPort(match[1]) !== undefined ? text : undefined;
}
function parseConsulUrl(text: string): ConsulConfig | undefined {
  const [, scheme = 'http', rest = ''] = /^(?:(https?):\/\/)?(.*)$/s.exec(text) ?? [];
  const address = parseAddress(rest);
  return address === undefined ? undefined : { address, scheme: scheme as ConsulConfig['scheme'] };
}
const consul = z
  .union(
    [
      parsedString('a Consul address such as "consul:8500" or "https://consul:8501"', parseConsulUrl),
      z
        .strictObject({
          address: parsedString('"host:port"', parseAddress),
          scheme: z.enum(['http', 'https']).optional(),
          token: z.string().optional(),
          tls: z
            .strictObject({
              cafile: z.string().optional(),
              capath: z.string().optional(),
              clientcert: z.string().optional(),
              clientkey: z.string().optional(),
              servername: z.string().optional(),
              verify: z.boolean().optional(),
            })
            .optional(),
        })
        .transform(({ scheme = 'http', ...settings }): ConsulConfig => ({ scheme, ...settings })),
    ],
    { error: (issue) => expected('a Consul address or an object with `address`', issue.input) },
  )
  .describe('The Consul agent to register with; without it, jobs run but nothing is registered.');

const kubernetes = z
  .strictObject({
    enabled: z.boolean().optional().describe('Force the bridge on or off (default: on when KUBERNETES_SERVICE_HOST is set).'),
    apiServer: parsedString(HTTP_URL, parseHttpUrl).optional().describe('API server URL (default: from KUBERNETES_SERVICE_HOST/PORT).'),
    tokenFile: nonBlank.optional().describe('Bearer token file (default: the service account\'s).'),
    caFile: nonBlank.optional().describe('CA bundle of the API server (default: the service account\'s).'),
    namespace: nonBlank.optional().describe('Namespace of the Autopilot object (default: $POD_NAMESPACE, then the service account\'s).'),
    events: z.boolean().optional().describe('Post Kubernetes Events on job transitions (default true).'),
    readinessGate: z.boolean().optional().describe('Keep the pod condition pilotfish.dev/ready for pods that list it in readinessGates (default true; false: the pod is not read and needs no pods/status access).'),
  })
  .describe('The Kubernetes bridge: reports this pod as an Autopilot resource.');

const LOG_LEVELS = new Map<string, LogLevel>([
  ['DEBUG', 'debug'],
  ['INFO', 'info'],
  ['WARN', 'warn'],
  ['ERROR', 'error'],
  ['FATAL', 'error'],
  ['PANIC', 'error'],
]);
const logging = z.strictObject({
  level: parsedString('one of DEBUG, INFO, WARN, ERROR, FATAL, PANIC', (text) => LOG_LEVELS.get(text.toUpperCase()), [
    ...LOG_LEVELS.keys(),
  ])
    .optional()
    .describe('DEBUG, INFO (default), WARN, ERROR, FATAL or PANIC, in any case.'),
  format: z.enum(['default', 'text', 'json']).optional(),
  output: nonBlank.optional().describe('"stdout" (default), "stderr" or a file path.'),
});

// Prometheus' metric name rule.
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const metric = z
  .strictObject({
    namespace: z.string().optional(),
    subsystem: z.string().optional(),
    name: nonBlank,
    help: z.string().optional().describe('The HELP text (default: the name).'),
    type: z.enum(['counter', 'gauge', 'histogram', 'summary']).describe('counter adds, gauge sets, histogram and summary observe each value put.'),
  })
  .transform(({ namespace, subsystem, name, help, type }, ctx): MetricConfig => {
    // ContainerPilot joined all three with "_" even when some were empty (`__name`), which made
    // such metrics unreachable by -putmetric; empty parts are left out here.
    const fullName = [namespace, subsystem, name].filter((part) => part !== undefined && part !== '').join('_');
    if (!METRIC_NAME.test(fullName)) return reject(ctx, expected(`a Prometheus metric name matching ${METRIC_NAME.source}`, fullName));
    return { name: fullName, help: help || fullName, type };
  })
  .describe('A metric set through `pilotfish metric NAME=VALUE` (ContainerPilot\'s -putmetric); named namespace_subsystem_name.');

const telemetry = z
  .strictObject({
    port: listenPort.optional().describe('Port of /metrics and /status (default 9090).'),
    interfaces: z
      .union([z.string(), z.array(z.string())], {
        error: (issue) => expected('an interface spec or an array of them', issue.input),
      })
      .transform((spec) => (typeof spec === 'string' ? [spec] : spec))
      .optional()
      .describe('Where to listen, first match wins, as for jobs (default ["eth0:inet", "inet"]); "static:0.0.0.0" for every address.'),
    name: serviceName.optional().describe('Name of the telemetry service in Consul (default "containerpilot", as ContainerPilot named it).'),
    tags: z.array(z.string()).optional().describe('Tags of the telemetry service in Consul.'),
    metrics: z
      .array(metric)
      .optional()
      .superRefine((metrics = [], ctx) => {
        const seen = new Set<string>();
        metrics.forEach((metric, index) => {
          if (seen.has(metric.name)) ctx.addIssue({ code: 'custom', message: `${metric.name} is declared twice`, path: [index, 'name'] });
          seen.add(metric.name);
        });
      }),
  })
  .describe('The Prometheus endpoint (ContainerPilot\'s telemetry): /metrics and /status.');

/** sun_path holds 108 bytes with the terminating NUL; a longer path would be bound truncated. */
const MAX_SOCKET_PATH_BYTES = 107;
const controlSocket = nonBlank.refine((path) => Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES, {
  error: (issue) => `must be at most ${MAX_SOCKET_PATH_BYTES} bytes long (the limit of a unix socket path), got ${Buffer.byteLength(issue.input as string)}`,
});

const probes = z
  .strictObject({
    port: listenPort.describe('Port of /livez and /readyz.'),
    address: parsedString('an IP address such as "0.0.0.0", "127.0.0.1" or "::"', (text) => (isIP(text) === 0 ? undefined : text))
      .optional()
      .describe('Address to listen on (default 0.0.0.0, where the kubelet can reach it).'),
  })
  .describe('Kubernetes-style /livez and /readyz endpoints that aggregate every job\'s health.');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Ignored; lets editors find this schema.'),
    consul: consul.optional(),
    logging: logging.optional(),
    jobs: z.array(job).optional(),
    watches: z.array(watch).optional().describe('Services to watch, in Consul or Kubernetes; each emits events as source "watch.<name>".'),
    control: z.strictObject({ socket: controlSocket.optional() }).optional(),
    telemetry: telemetry.optional(),
    probes: probes.optional(),
    kubernetes: kubernetes.optional(),
    stopTimeout: duration().optional().describe('Default wait before SIGKILL on shutdown (default 5s; 0 means 5s).'),
    main: nonBlank.optional().describe('The job whose exit code becomes the supervisor\'s.'),
  })
  .describe('pilotfish configuration (a superset of ContainerPilot v3).');

export type ConfigInput = z.output<typeof configSchema>;
export type JobInput = NonNullable<ConfigInput['jobs']>[number];
