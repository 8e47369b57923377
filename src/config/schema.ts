// The schema of the config document as users write it (after `normalize.ts` has turned snake_case
// keys into camelCase): a superset of ContainerPilot v3. Each value is parsed into its `Config`
// type here — durations into milliseconds, `exec` into a Command, `when` into a When, probes into a
// HealthProbe — together with the defaults that belong to the value itself (an HTTP probe's
// method, a TCP probe's host). Defaults for omitted fields, and rules that need the whole job or
// the whole document, live in `build.ts`, `rules.ts` and `graph.ts`.
// Written with zod/mini's functions (`z.optional(x)`, `z.pipe(x, z.transform(f))`, `.check(...)`)
// rather than classic zod's methods: the bundle then carries only the parts used (99 KiB of zod
// instead of 382), and the schema is on every start's path (docs/benchmarks.md: 40-75 ms of cold
// start and 5-9 MiB of idle RSS).
import { Buffer } from 'node:buffer';
import { isIP } from 'node:net';
import * as z from 'zod/mini';
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

/**
 * Reports a problem from inside a transform. zod/mini's transforms get the bare parse payload
 * (classic zod's `ctx.addIssue` is this push): an issue without `continue` stops the checks after it.
 */
function addIssue(ctx: z.core.ParsePayload, message: string, path: PropertyKey[] = []): void {
  ctx.issues.push({ code: 'custom', message, path, input: ctx.value });
}

/** The same, for a transform whose result is then discarded. */
function reject(ctx: z.core.ParsePayload, message: string, path: PropertyKey[] = []): never {
  addIssue(ctx, message, path);
  return z.NEVER;
}

/** A string that `parse` turns into its canonical form; what it rejects reads "expected <what>, got …". */
function parsedString<T>(what: string, parse: (text: string) => T | undefined, suggestions: readonly string[] = []) {
  return z.pipe(
    z.string({ error: (issue) => expected(what, issue.input) }),
    z.transform((text: string, ctx) => parse(text) ?? reject(ctx, expected(what, text) + didYouMean(text, suggestions, 'value'))),
  );
}

/** The same for fields that also take a number (durations, counts, ports). */
function parsedStringOrNumber<T>(what: string, parse: (value: string | number) => T | undefined) {
  return z.pipe(
    z.union([z.string(), z.number()], { error: (issue) => expected(what, issue.input) }),
    z.transform((value: string | number, ctx) => parse(value) ?? reject(ctx, expected(what, value))),
  );
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

/**
 * The shortest interval of a periodic job or a health check: each run spawns a process (or makes
 * a request), and at 1 ms an exec check kept PID 1 at 87 % of a core, its control socket slow.
 */
const MIN_REPEAT_INTERVAL = 100;

function duration(minimum: Millis = 0) {
  return parsedStringOrNumber(DURATION, parseDuration).check(
    z.refine((ms) => ms >= minimum, {
      error: (issue) => `must be at least ${formatDuration(minimum)}, got ${formatDuration(issue.input as Millis)}`,
    }),
    z.refine((ms) => ms <= MAX_DURATION, {
      error: (issue) => `must be at most ${formatDuration(MAX_DURATION)} (20 days), got ${describeDuration(issue.input as Millis)}`,
    }),
  );
}

/** Huge values (`1e400` seconds) are Infinity, which formatDuration cannot spell. */
function describeDuration(ms: Millis): string {
  return Number.isFinite(ms) ? formatDuration(ms) : 'an unbounded duration';
}

const nonBlank = z.string().check(z.refine((text) => text.trim() !== '', { error: 'must not be blank' }));

const port = parsedStringOrNumber('a port number from 1 to 65535', toPort);

/** A port to listen on: 0 picks a free one (tests, and setups that only read it from `status`). */
const listenPort = parsedStringOrNumber('a port number from 0 to 65535', (value) => (value === 0 || value === '0' ? 0 : toPort(value)));

/** Environment, Consul meta, HTTP headers: string values, with numbers and booleans taken as their text. */
const stringMap = z.record(
  z.string(),
  z.pipe(z.union([z.string(), z.number(), z.boolean()], { error: (issue) => expected('a string', issue.input) }), z.transform(String)),
);

/** A job's extra environment: names and values execve accepts. */
const environment = stringMap.check(
  z.superRefine((variables, ctx) => {
    for (const [name, value] of Object.entries(variables)) {
      const problem = environmentNameProblem(name) ?? environmentValueProblem(name, value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
    }
  }),
);

const COMMAND = 'a command string or an array of strings';
const command = z
  .pipe(
    z.union([z.string(), z.array(z.string())], { error: (issue) => expected(COMMAND, issue.input) }),
    z.transform((exec: string | string[], ctx) => {
      let parsed: Command;
      try {
        parsed = parseCommand(exec);
      } catch (error) {
        if (error instanceof CommandError) return reject(ctx, error.message);
        throw error;
      }
      const problem = parsed.argv.map(argumentProblem).find((found) => found !== undefined);
      return problem === undefined ? parsed : reject(ctx, problem);
    }),
  )
  .check(z.describe('A command line, split like a shell would (run by /bin/sh when it uses shell syntax), or an argv array.'));

const signal = parsedString('a signal name such as "SIGTERM"', toSignalName, SIGNAL_NAMES);

function parseRestarts(value: string | number): number | undefined {
  if (value === 'unlimited') return Infinity;
  if (value === 'never') return 0;
  return wholeNumber(value);
}
const restarts = parsedStringOrNumber('"unlimited", "never" or a whole number of restarts', parseRestarts).check(
  z.describe('Starts after an exit: "unlimited", "never" (default; "unlimited" for periodic jobs) or a number.'),
);

const eventName = z.enum(EVENT_NAMES);

const rawLogging = z.strictObject({
  raw: z.optional(z.boolean()).check(z.describe('Pass output through unmodified instead of as log lines.')),
});

const TRIGGERS = ['interval', 'once', 'each'] as const;

const when = z
  .pipe(
    z.strictObject({
      source: z.optional(nonBlank).check(z.describe('A job name, "watch.<name>", "global", "SIGHUP" or "SIGUSR2".')),
      once: z.optional(eventName).check(z.describe('Start on the first such event of `source`.')),
      each: z.optional(eventName).check(z.describe('Start on every such event of `source`.')),
      interval: z.optional(duration(MIN_REPEAT_INTERVAL)).check(z.describe('Run at startup and then periodically (at least 100ms).')),
      timeout: z.optional(duration()).check(z.describe('Give up waiting for the event after this long (0: wait forever).')),
    }),
    z.transform((input, ctx): When => {
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
    }),
  )
  .check(z.describe('When the job starts: at startup (default), on an event of another job or watch, or every `interval`.'));

function parseHttpUrl(text: string): string | undefined {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:' ? text : undefined;
  } catch {
    return undefined;
  }
}
const HTTP_URL = 'an http:// or https:// URL';
const httpStatus = z.int().check(z.minimum(100), z.maximum(599));
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
    z.pipe(parsedString(HTTP_URL, parseHttpUrl), z.transform((url: string) => httpProbeOf({ url }))),
    z.pipe(
      z.strictObject({
        url: parsedString(HTTP_URL, parseHttpUrl),
        method: z.optional(z.enum(['GET', 'HEAD', 'POST'])),
        headers: z.optional(stringMap),
        // A single status is the common case (`expectStatus: 204`), so it need not be a list.
        expectStatus: z
          .optional(
            z.union([z.pipe(httpStatus, z.transform((status: number) => [status])), z.array(httpStatus).check(z.minLength(1))], {
              error: (issue) => expected('an HTTP status or a list of them', issue.input),
            }),
          )
          .check(z.describe('Status, or list of statuses, that pass (default: any 2xx).')),
      }),
      z.transform(httpProbeOf),
    ),
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
    z.pipe(
      parsedString('"host:port"', parseHostAndPort),
      z.transform((target: { host: string; port: number }): HealthProbe => ({ type: 'tcp', ...target })),
    ),
    z.pipe(
      z.strictObject({ host: z.optional(nonBlank), port }),
      z.transform(({ host = '127.0.0.1', port }: { host?: string | undefined; port: number }): HealthProbe => ({ type: 'tcp', host, port })),
    ),
  ],
  { error: (issue) => expected('"host:port" or an object with `port`', issue.input) },
);

const PROBES = ['exec', 'http', 'tcp'] as const;

const health = z
  .pipe(
    z.strictObject({
      exec: z.optional(command),
      http: z.optional(httpProbe),
      tcp: z.optional(tcpProbe),
      interval: duration(MIN_REPEAT_INTERVAL).check(z.describe('Time between checks (at least 100ms); a number means seconds.')),
      ttl: z.optional(duration(1)).check(z.describe('TTL of the Consul check; required when the job has a `port`.')),
      timeout: z.optional(duration(1)).check(z.describe('Limit for one check (default: the interval).')),
      threshold: z.optional(z.int().check(z.minimum(1))).check(z.describe('Consecutive failures needed to become unhealthy (default 1).')),
      successThreshold: z.optional(z.int().check(z.minimum(1))).check(z.describe('Consecutive successes needed to become healthy (default 1).')),
      onUnhealthy: z.optional(z.enum(['ignore', 'restart'])),
      level: z
        .optional(z.enum(['alive', 'ready']))
        .check(z.describe('Which probe endpoint this check counts for, as in Pebble: "alive" fails /livez and /readyz, "ready" (default) only /readyz.')),
      logging: z.optional(rawLogging),
    }),
    z.transform(({ exec, http, tcp, ...timing }, ctx) => {
      const probes = { exec: exec && ({ type: 'exec', command: exec } satisfies HealthProbe), http, tcp };
      const [first, second] = PROBES.filter((key) => probes[key] !== undefined);
      if (first === undefined) return reject(ctx, 'needs a probe: one of `exec`, `http` or `tcp`');
      if (second !== undefined) return reject(ctx, `cannot be combined with ${quoteKey(first)}: a check runs one probe`, [second]);
      return { probe: probes[first] as HealthProbe, ...timing };
    }),
  )
  .check(z.describe('How the job is health-checked: exactly one of `exec`, `http` or `tcp`, every `interval`.'));

const backoff = z
  .strictObject({
    delay: z.optional(duration()).check(z.describe('First delay after a quick crash (default 500ms).')),
    factor: z.optional(z.number().check(z.minimum(1))).check(z.describe('Multiplier for each further delay (default 2).')),
    limit: z.optional(duration()).check(z.describe('Longest delay (default 30s).')),
    resetAfter: z.optional(duration()).check(z.describe('A run this long counts as stable and resets the delay (default 10s).')),
  })
  .check(z.describe('Delays between restarts.'));

/** An interface spec or a list of them, always a list once parsed. */
const interfaceSpecs = z.pipe(
  z.union([z.string(), z.array(z.string())], {
    error: (issue) => expected('an interface spec or an array of them', issue.input),
  }),
  z.transform((spec: string | string[]) => (typeof spec === 'string' ? [spec] : spec)),
);

const job = z.strictObject({
  name: nonBlank.check(z.describe('Used in logs, as an event source and as the Consul service name.')),
  exec: z.optional(command),
  env: z.optional(environment).check(z.describe('Extra environment variables for the process.')),
  cwd: z.optional(nonBlank),
  logging: z.optional(rawLogging),
  when: z.optional(when),
  timeout: z.optional(duration(1)).check(z.describe('Run-time limit; the process group is killed when it is exceeded.')),
  stopTimeout: z.optional(duration()).check(z.describe('Wait after the stop signal before SIGKILL (default: the top-level stopTimeout).')),
  stopSignal: z.optional(signal).check(z.describe('Signal sent to stop the job (default SIGTERM).')),
  restarts: z.optional(restarts),
  backoff: z.optional(backoff),
  onExit: z
    .optional(z.enum(['ignore', 'shutdown', 'shutdownOnFailure']))
    .check(z.describe('What the supervisor does when the job has ended for good.')),
  notify: z.optional(z.boolean()).check(z.describe('Serve NOTIFY_SOCKET to the job; READY=1 makes it healthy.')),
  health: z.optional(health),
  port: z.optional(port).check(z.describe('Registers the job in Consul with this port; needs `health` with a `ttl`.')),
  tags: z.optional(z.array(z.string())),
  meta: z.optional(stringMap).check(z.describe('Consul service metadata.')),
  interfaces: z
    .optional(interfaceSpecs)
    .check(z.describe('Where to find the address to advertise, first match wins (default ["eth0:inet", "inet"]).')),
  initialStatus: z.optional(z.enum(['passing', 'warning', 'critical'])).check(z.describe('Register right away with this status.')),
  consul: z.optional(
    z.strictObject({
      enableTagOverride: z.optional(z.boolean()),
      deregisterCriticalServiceAfter: z.optional(duration(1)),
    }),
  ),
});

const serviceName = z
  .string()
  .check(z.regex(SERVICE_NAME, { error: (issue) => expected(`a service name matching ${SERVICE_NAME.source}`, issue.input) }));

/** A Kubernetes Service's name (DNS-1035 label), which names its EndpointSlices' label value. */
const KUBERNETES_SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const WATCH_SOURCES = ['consul', 'kubernetes'] as const;
/** Each source's own keys: a key of the other source is a mistake worth naming. */
const WATCH_KEYS = { consul: ['interval', 'tag', 'dc'], kubernetes: ['namespace', 'port'] } as const;

// One shape for both sources, so that a ContainerPilot watch is unchanged and moving it to a
// Kubernetes Service is `source: "kubernetes"` in place of its Consul-only keys.
const watch = z.pipe(
  z.strictObject({
    name: serviceName,
    source: z
      .optional(z.enum(WATCH_SOURCES))
      .check(z.describe('Where the service is looked up: "consul" (default) or "kubernetes" (a Service\'s EndpointSlices).')),
    interval: z.optional(duration(1)).check(z.describe('Consul: time between polls; a number means seconds.')),
    tag: z.optional(z.string()).check(z.describe('Consul: only instances with this tag.')),
    dc: z.optional(z.string()).check(z.describe('Consul: the datacenter.')),
    namespace: z.optional(nonBlank).check(z.describe('Kubernetes: the Service\'s namespace (default: the pod\'s).')),
    port: z
      .optional(
        z.union([nonBlank, z.number().check(z.int(), z.minimum(1), z.maximum(65535))], {
          error: (issue) => expected('a port name or number', issue.input),
        }),
      )
      .check(z.describe('Kubernetes: the Service port, by name or number (default: its only port).')),
  }),
  z.transform((input, ctx): WatchConfig => {
    const source = input.source ?? 'consul';
    const other = source === 'consul' ? 'kubernetes' : 'consul';
    for (const key of WATCH_KEYS[other]) {
      if (input[key] !== undefined) addIssue(ctx, `is for watches with source "${other}", this one's source is "${source}"`, [key]);
    }
    if (source === 'kubernetes') {
      if (!KUBERNETES_SERVICE_NAME.test(input.name)) addIssue(ctx, expected(`a Kubernetes Service name matching ${KUBERNETES_SERVICE_NAME.source}`, input.name), ['name']);
      return { source, name: input.name, ...optional('namespace', input.namespace), ...optional('port', input.port) };
    }
    if (input.interval === undefined) addIssue(ctx, 'is required', ['interval']);
    return { ...optional('source', input.source), name: input.name, interval: input.interval ?? 0, ...optional('tag', input.tag), ...optional('dc', input.dc) };
  }),
);

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
const consulSettings = z.strictObject({
  address: parsedString('"host:port"', parseAddress),
  scheme: z.optional(z.enum(['http', 'https'])),
  token: z.optional(z.string()),
  tls: z.optional(
    z.strictObject({
      cafile: z.optional(z.string()),
      capath: z.optional(z.string()),
      clientcert: z.optional(z.string()),
      clientkey: z.optional(z.string()),
      servername: z.optional(z.string()),
      verify: z.optional(z.boolean()),
    }),
  ),
});
const consul = z
  .union(
    [
      parsedString('a Consul address such as "consul:8500" or "https://consul:8501"', parseConsulUrl),
      z.pipe(
        consulSettings,
        z.transform(({ scheme = 'http', ...settings }: z.output<typeof consulSettings>): ConsulConfig => ({ scheme, ...settings })),
      ),
    ],
    { error: (issue) => expected('a Consul address or an object with `address`', issue.input) },
  )
  .check(z.describe('The Consul agent to register with; without it, jobs run but nothing is registered.'));

const kubernetes = z
  .strictObject({
    enabled: z.optional(z.boolean()).check(z.describe('Force the bridge on or off (default: on when KUBERNETES_SERVICE_HOST is set).')),
    apiServer: z.optional(parsedString(HTTP_URL, parseHttpUrl)).check(z.describe('API server URL (default: from KUBERNETES_SERVICE_HOST/PORT).')),
    tokenFile: z.optional(nonBlank).check(z.describe('Bearer token file (default: the service account\'s).')),
    caFile: z.optional(nonBlank).check(z.describe('CA bundle of the API server (default: the service account\'s).')),
    namespace: z.optional(nonBlank).check(z.describe('Namespace of the Autopilot object (default: $POD_NAMESPACE, then the service account\'s).')),
    events: z.optional(z.boolean()).check(z.describe('Post Kubernetes Events on job transitions (default true).')),
    readinessGate: z
      .optional(z.boolean())
      .check(z.describe('Keep the pod condition pilotfish.dev/ready for pods that list it in readinessGates (default true; false: the condition is never patched, and pods/status needs only get, to read the pod labels).')),
  })
  .check(z.describe('The Kubernetes bridge: reports this pod as an Autopilot resource.'));

const LOG_FORMATS = ['default', 'text', 'json'] as const;
const STANDARD_OUTPUTS = ['stdout', 'stderr'] as const;

// ContainerPilot's levels are logrus' names, WARNING and TRACE included.
const LOG_LEVELS = new Map<string, LogLevel>([
  ['TRACE', 'debug'],
  ['DEBUG', 'debug'],
  ['INFO', 'info'],
  ['WARN', 'warn'],
  ['WARNING', 'warn'],
  ['ERROR', 'error'],
  ['FATAL', 'error'],
  ['PANIC', 'error'],
]);
const logging = z.strictObject({
  level: z
    .optional(parsedString('one of TRACE, DEBUG, INFO, WARN, WARNING, ERROR, FATAL, PANIC', (text) => LOG_LEVELS.get(text.toUpperCase()), [...LOG_LEVELS.keys()]))
    .check(z.describe('DEBUG (TRACE is the same), INFO (default), WARN (or WARNING), ERROR, FATAL or PANIC, in any case.')),
  format: z
    .optional(parsedString('one of "default", "text", "json"', (text) => LOG_FORMATS.find((format) => format === text.toLowerCase()), LOG_FORMATS))
    .check(z.describe('"default" (pilotfish\'s text lines), "text" (logfmt) or "json", in any case.')),
  // ContainerPilot read "STDOUT" as stdout: written so, it is no file name.
  output: z
    .optional(z.pipe(nonBlank, z.transform((text: string) => STANDARD_OUTPUTS.find((name) => name === text.toLowerCase()) ?? text)))
    .check(z.describe('"stdout" (default) or "stderr", in any case, or a file path.')),
});

// Prometheus' metric name rule.
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const metric = z
  .pipe(
    z.strictObject({
      namespace: z.optional(z.string()),
      subsystem: z.optional(z.string()),
      name: nonBlank,
      help: z.optional(z.string()).check(z.describe('The HELP text (default: the name).')),
      type: z
        .enum(['counter', 'gauge', 'histogram', 'summary'])
        .check(z.describe('counter adds, gauge sets, histogram and summary observe each value put.')),
    }),
    z.transform(({ namespace, subsystem, name, help, type }, ctx): MetricConfig => {
      // ContainerPilot joined all three with "_" even when some were empty (`__name`), which made
      // such metrics unreachable by -putmetric; empty parts are left out here.
      const fullName = [namespace, subsystem, name].filter((part) => part !== undefined && part !== '').join('_');
      if (!METRIC_NAME.test(fullName)) return reject(ctx, expected(`a Prometheus metric name matching ${METRIC_NAME.source}`, fullName));
      return { name: fullName, help: help || fullName, type };
    }),
  )
  .check(z.describe('A metric set through `pilotfish metric NAME=VALUE` (ContainerPilot\'s -putmetric); named namespace_subsystem_name.'));

const telemetry = z
  .strictObject({
    port: z.optional(listenPort).check(z.describe('Port of /metrics and /status (default 9090).')),
    interfaces: z
      .optional(interfaceSpecs)
      .check(z.describe('Where to listen, first match wins, as for jobs (default ["eth0:inet", "inet"]); "static:0.0.0.0" for every address.')),
    name: z.optional(serviceName).check(z.describe('Name of the telemetry service in Consul (default "containerpilot", as ContainerPilot named it).')),
    tags: z.optional(z.array(z.string())).check(z.describe('Tags of the telemetry service in Consul.')),
    metrics: z.optional(z.array(metric)).check(
      z.superRefine((metrics = [], ctx) => {
        const seen = new Set<string>();
        metrics.forEach((metric, index) => {
          if (seen.has(metric.name)) ctx.addIssue({ code: 'custom', message: `${metric.name} is declared twice`, path: [index, 'name'] });
          seen.add(metric.name);
        });
      }),
    ),
  })
  .check(z.describe('The Prometheus endpoint (ContainerPilot\'s telemetry): /metrics and /status.'));

/** sun_path holds 108 bytes with the terminating NUL; a longer path would be bound truncated. */
const MAX_SOCKET_PATH_BYTES = 107;
const controlSocket = nonBlank.check(
  z.refine((path) => Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES, {
    error: (issue) => `must be at most ${MAX_SOCKET_PATH_BYTES} bytes long (the limit of a unix socket path), got ${Buffer.byteLength(issue.input as string)}`,
  }),
);

const probes = z
  .strictObject({
    port: listenPort.check(z.describe('Port of /livez and /readyz.')),
    address: z
      .optional(parsedString('an IP address such as "0.0.0.0", "127.0.0.1" or "::"', (text) => (isIP(text) === 0 ? undefined : text)))
      .check(z.describe('Address to listen on (default 0.0.0.0, where the kubelet can reach it).')),
  })
  .check(z.describe('Kubernetes-style /livez and /readyz endpoints that aggregate every job\'s health.'));

export const configSchema = z
  .strictObject({
    $schema: z.optional(z.string()).check(z.describe('Ignored; lets editors find this schema.')),
    consul: z.optional(consul),
    logging: z.optional(logging),
    jobs: z.optional(z.array(job)),
    watches: z.optional(z.array(watch)).check(z.describe('Services to watch, in Consul or Kubernetes; each emits events as source "watch.<name>".')),
    control: z.optional(z.strictObject({ socket: z.optional(controlSocket) })),
    telemetry: z.optional(telemetry),
    probes: z.optional(probes),
    kubernetes: z.optional(kubernetes),
    stopTimeout: z.optional(duration()).check(z.describe('Default wait before SIGKILL on shutdown (default 5s; 0 means 5s).')),
    main: z.optional(nonBlank).check(z.describe('The job whose exit code becomes the supervisor\'s.')),
  })
  .check(z.describe('pilotfish configuration (a superset of ContainerPilot v3).'));

export type ConfigInput = z.output<typeof configSchema>;
export type JobInput = NonNullable<ConfigInput['jobs']>[number];
