// Fuzzing the config loader: 500+ generated malformed configs (truncations, wrong types, huge
// values, bad templates, special files). Every one must be refused with a ConfigError that names
// the file, without a stack trace, quickly; a representative sample also goes through the real
// `pilotfish validate` and `pilotfish run`, which must exit 2 and start nothing.
// The in-process cases run in a worker thread, so that a hang (a synchronous loop) can be detected
// and reported instead of freezing the test runner.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { runPilotfish } from '../helpers/pilotfish.js';

interface FuzzCase {
  name: string;
  /** The config file; written before the run unless it is a special file. */
  file: string;
  text?: string;
  env: Record<string, string>;
}

interface Outcome {
  index: number;
  ms: number;
  kind: 'ConfigError' | 'accepted' | 'other';
  message: string;
  files: string[];
}

// Hang detectors, not performance assertions: every case takes milliseconds in process, and a
// process well under a second, but the machine running the tests may be heavily loaded.
const HANG_MS = 30_000;
const PROCESS_HANG_MS = 90_000;
// How many cases also run as real `validate` and `run` processes.
const PROCESS_SAMPLE = 24;

function loadEveryCase(cases: FuzzCase[]): void {
  cases.forEach(({ file, env }, index) => {
    const started = performance.now();
    let outcome: Omit<Outcome, 'index' | 'ms'>;
    try {
      loadConfig(file, env);
      outcome = { kind: 'accepted', message: '', files: [] };
    } catch (error) {
      outcome =
        error instanceof ConfigError
          ? { kind: 'ConfigError', message: error.message, files: error.issues.map((issue) => issue.file) }
          : { kind: 'other', message: String((error as Error).stack ?? error), files: [] };
    }
    parentPort?.postMessage({ index, ms: performance.now() - started, ...outcome } satisfies Outcome);
  });
}

/** mulberry32: a small seeded generator, so that every run fuzzes the same cases. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid config using most features; MARKER is replaced by a path that a started job would create. */
const BASE_JSON5 = `{
  logging: { level: "INFO", format: "json" },
  stopTimeout: "5s",
  jobs: [
    { name: "marker", exec: "touch MARKER" },
    {
      name: "app",
      exec: "/bin/app -port {{ .PORT | default "8080" }}",
      restarts: "unlimited",
      port: 8080,
      health: { exec: "true", interval: 5, ttl: 10 },
      env: { GREETING: "hello" },
      when: { source: "marker", once: "exitSuccess" },
    },
    { name: "periodic", exec: ["echo", "tick"], when: { interval: "10s" } },
    {{ range $i := loop 0 3 }}{ name: "gen-{{ $i }}", exec: "echo {{ $i }}" },
    {{ end }}
  ],
  watches: [{ name: "db", interval: 10 }],
  control: { socket: "/tmp/pilotfish-fuzz.sock" },
}
`;

const BASE_YAML = `logging:
  level: INFO
stopTimeout: 5s
jobs:
  - name: marker
    exec: touch MARKER
  - name: app
    exec: /bin/app -port {{ .PORT | default "8080" }}
    restarts: unlimited
    port: 8080
    health:
      exec: "true"
      interval: 5
      ttl: 10
    env:
      GREETING: hello
    when:
      source: marker
      once: exitSuccess
  - name: periodic
    exec: [echo, tick]
    when:
      interval: 10s
watches:
  - name: db
    interval: 10
`;

/** [what is searched, its malformed replacement]; each replacement alone makes the config invalid. */
const WRONG_TYPES: [string, string][] = [
  ['restarts: "unlimited"', 'restarts: "sometimes"'],
  ['interval: 5', 'interval: true'],
  ['name: "app"', 'name: 5'],
  ['exec: ["echo", "tick"]', 'exec: { program: "echo" }'],
  ['level: "INFO"', 'level: 3'],
  ['port: 8080', 'port: "eighty"'],
  ['once: "exitSuccess"', 'once: "exploded"'],
  ['stopTimeout: "5s"', 'stopTimeout: "5 parsecs"'],
  ['watches: [{ name: "db"', 'watches: [{ name: "DB!"'],
  ['env: { GREETING: "hello" }', 'env: ["GREETING=hello"]'],
  ['health: { exec: "true"', 'health: { exec: null'],
  ['format: "json"', 'format: "xml"'],
  ['{ name: "marker"', '{ nmae: "marker"'],
  ['ttl: 10', 'ttl: [10]'],
  ['when: { interval: "10s" }', 'when: "10s"'],
  ['jobs: [', 'jobs: 7, jobz: ['],
];

const HUGE_VALUES: [string, string][] = [
  ['interval: 5', 'interval: "999999h"'],
  ['stopTimeout: "5s"', 'stopTimeout: 1e308'],
  ['port: 8080', 'port: 1e20'],
  ['restarts: "unlimited"', 'restarts: 1e400'],
  ['when: { interval: "10s" }', 'when: { interval: "720h" }'],
  ['ttl: 10', 'ttl: 99999999999999999999999'],
  ['env: { GREETING: "hello" }', `env: { GREETING: "${'x'.repeat(140_000)}" }`],
  ['env: { GREETING: "hello" }', 'env: { GREETING: "nul\\u0000byte" }'],
  ['env: { GREETING: "hello" }', 'env: { "GREETING=x": "hello" }'],
  ['exec: ["echo", "tick"]', `exec: ["echo", "${'y'.repeat(200_000)}"]`],
  ['socket: "/tmp/pilotfish-fuzz.sock"', `socket: "/tmp/${'s'.repeat(200)}"`],
  ['name: "app"', `name: "${'a'.repeat(100)}", tags: [${'"t",'.repeat(100)}], name: "app"`],
  ['{{ range $i := loop 0 3 }}', '{{ range $i := loop 0 100000000 }}'],
  ['{{ range $i := loop 0 3 }}', '{{ range $i := loop 0 3 }}{{ range $j := loop 0 100000 }}{{ range $k := loop 0 100000 }}'],
];

/** Template fragments, each an error wherever it is put in the text. */
const BAD_TEMPLATES: string[] = [
  '{{',
  '{{ .PORT',
  '{{ nope }}',
  '{{ end }}',
  '{{ if .PORT }}',
  '{{ else }}',
  '{{ range .PORT }}{{ end }}',
  '{{ index (split .LIST ",") 5 }}',
  '{{ $undefined }}',
  '{{ .PORT.Field }}',
  '{{ printf "%s" }}{{ len 3 }}',
  '{{ regexReplaceAll "(?=a)" "" "a" }}',
  '{{ regexReplaceAll "(a" "" "a" }}',
  '{{ loop "x" }}',
  '{{ loop 0 100000000 }}',
  `{{ ${'('.repeat(500)}1${')'.repeat(500)} }}`,
  `${'{{ if 1 }}'.repeat(300)}${'{{ end }}'.repeat(300)}`,
  '{{ $x := "ab" }}{{ range loop 0 64 }}{{ $x = printf "%s%s" $x $x }}{{ end }}',
  '{{ $x := "ab" }}{{ range loop 0 64 }}{{ $x }}{{ $x = print $x $x }}{{ end }}',
  '{{ replaceAll "" .BIG .BIG }}',
  '{{ join .BIG (split "" .BIG) }}',
  '{{ range loop 0 1000 }}{{ regexReplaceAll "(a|b)+c" "" $.BIG }}{{ end }}',
  '{{ template "x" }}',
  '{{ define "x" }}{{ template "x" }}{{ end }}{{ template "x" }}',
  '{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}',
  `{{ define "r" }}${'{{ with . }}'.repeat(30)}{{ if . }}{{ template "r" (regexReplaceAll "^." "" .) }}{{ end }}${'{{ end }}'.repeat(30)}{{ end }}{{ template "r" .BIG }}`,
  '{{ break }}',
  '{{ 3 | 4 }}',
  '{{ eq 1 "a" }}',
  '{{ /* unclosed comment',
  '{{ "unterminated }}',
  '{{ \'ab\' }}',
];

function generateCases(dir: string): FuzzCase[] {
  const next = random(20261205);
  const env = { LIST: 'a,b', BIG: 'x'.repeat(100_000) };
  const cases: FuzzCase[] = [];
  const add = (name: string, text: string, ext = 'json5'): void => {
    const file = join(dir, `case-${cases.length}.${ext}`);
    cases.push({ name, file, text: text.replaceAll('MARKER', join(dir, `started-${cases.length}`)), env });
  };
  const replaced = (base: string, [from, to]: [string, string]): string => {
    assert.ok(base.includes(from), `the base config has ${from}`);
    return base.replace(from, to);
  };

  // Truncations: a JSON5 document cut anywhere before its closing brace is unfinished.
  const lastBrace = BASE_JSON5.lastIndexOf('}');
  for (let i = 0; i < 150; i++) add(`truncated at ${Math.floor(next() * lastBrace)}`, BASE_JSON5.slice(0, Math.floor(next() * lastBrace)));
  // Wrong types, alone, in pairs, and after a truncation of the rest of the file.
  WRONG_TYPES.forEach((mutation) => add(`wrong type: ${mutation[1]}`, replaced(BASE_JSON5, mutation)));
  for (let i = 0; i < 90; i++) {
    const [first, second] = [WRONG_TYPES[Math.floor(next() * WRONG_TYPES.length)]!, WRONG_TYPES[Math.floor(next() * WRONG_TYPES.length)]!];
    const text = first[0] === second[0] ? replaced(BASE_JSON5, first) : replaced(replaced(BASE_JSON5, first), second);
    add(`wrong types: ${first[1]} and ${second[1]}`, text);
  }
  // YAML: the same mistakes in YAML spelling.
  const yamlMutations: [string, string][] = [
    ['restarts: unlimited', 'restarts: sometimes'],
    ['interval: 5', 'interval: true'],
    ['- name: app', '- name: 5'],
    ['exec: [echo, tick]', 'exec: { program: echo }'],
    ['level: INFO', 'level: 3'],
    ['once: exitSuccess', 'once: exploded'],
    ['stopTimeout: 5s', 'stopTimeout: 5 parsecs'],
    ['interval: 10s', 'interval: 720h'],
    ['  - name: db', '  - name: DB!'],
    ['jobs:', 'jobs: 7\njobz:'],
    ['    exec: touch MARKER', '    exec: touch MARKER\n    exec: again'],
    ['logging:\n', 'logging:\n\t- tab\n'],
    ['stopTimeout: 5s', 'stopTimeout: *undefined'],
    ['- name: marker', '- name: marker\n    port: 70000'],
    ['exec: [echo, tick]', `exec: ${'['.repeat(50_000)}${']'.repeat(50_000)}`],
  ];
  yamlMutations.forEach((mutation) => add(`yaml: ${mutation[1]}`, replaced(BASE_YAML, mutation), 'yaml'));
  // Huge values.
  HUGE_VALUES.forEach((mutation) => add(`huge: ${mutation[1].slice(0, 60)}`, replaced(BASE_JSON5, mutation)));
  // Bad templates, at the top of the file, inside a string and among the jobs.
  const places: ((text: string, fragment: string) => string)[] = [
    (text, fragment) => `${fragment}\n${text}`,
    (text, fragment) => text.replace('-port ', `-port ${fragment.replaceAll('\n', ' ')} `),
    (text, fragment) => text.replace('    {{ end }}', `    {{ end }}${fragment}`),
  ];
  for (const fragment of BAD_TEMPLATES) for (const place of places) add(`template: ${fragment.slice(0, 60)}`, place(BASE_JSON5, fragment));
  // Truncated templated text: cut inside the range loop or an action.
  const rangeStart = BASE_JSON5.indexOf('{{ range');
  for (let i = 0; i < 60; i++) {
    const cut = rangeStart + Math.floor(next() * (BASE_JSON5.indexOf('{{ end }}') + 9 - rangeStart));
    add(`truncated in the template at ${cut}`, BASE_JSON5.slice(0, cut));
  }
  // Random bytes inside the structure (outside strings: after a comma or an opening bracket).
  const structural = [...BASE_JSON5.matchAll(/[,[{]\n/g)].map((match) => match.index + 1);
  const garbage = ['}', ']', ':', '{{', '"', '\\', '@', '\u0000', '\ufffd'];
  for (let i = 0; i < 60; i++) {
    const at = structural[Math.floor(next() * structural.length)]!;
    const junk = garbage[Math.floor(next() * garbage.length)]!;
    add(`garbage ${JSON.stringify(junk)} at ${at}`, `${BASE_JSON5.slice(0, at)}${junk}${BASE_JSON5.slice(at)}`);
  }

  // Special files.
  const fifo = join(dir, 'fifo.json5');
  execFileSync('mkfifo', [fifo]);
  const directory = join(dir, 'directory.json5');
  mkdirSync(directory);
  const large = join(dir, 'large.json5');
  writeFileSync(large, `{ jobs: [] ${' '.repeat(2 * 1024 * 1024)} }`);
  const zeroLink = join(dir, 'zero.json5');
  symlinkSync('/dev/zero', zeroLink);
  for (const [name, file] of [
    ['a FIFO without a writer', fifo],
    ['/dev/zero', '/dev/zero'],
    ['a symlink to /dev/zero', zeroLink],
    ['/dev/null', '/dev/null'],
    ['/dev/urandom', '/dev/urandom'],
    ['a directory', directory],
    ['a 2 MiB file', large],
    ['a missing file', join(dir, 'missing.json5')],
    ['/proc/self/mem', '/proc/self/mem'],
  ] as const) {
    cases.push({ name: `special file: ${name}`, file, env });
  }
  return cases;
}

function describeFuzz(): void {
  describe('config fuzzing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilotfish-fuzz-'));
    const cases = generateCases(dir);
    for (const { file, text } of cases) if (text !== undefined) writeFileSync(file, text);
    const stats = { cases: cases.length, maxMs: 0, slowest: '', totalMs: 0 };
    after(() => console.log(`fuzz: ${stats.cases} configs, total ${stats.totalMs.toFixed(0)} ms in process, slowest ${stats.maxMs.toFixed(1)} ms (${stats.slowest})`));

    it('starts from valid configs: the base documents load', () => {
      for (const [text, ext] of [[BASE_JSON5, 'json5'], [BASE_YAML, 'yaml']] as const) {
        const file = join(dir, `base.${ext}`);
        writeFileSync(file, text.replaceAll('MARKER', join(dir, 'base-started')));
        assert.ok(loadConfig(file, { PORT: '9000' }).jobs.length >= 3);
      }
    });

    it(`refuses ${cases.length} malformed configs in process: a ConfigError naming the file, no stack trace`, async () => {
      assert.ok(cases.length >= 500, `${cases.length} cases`);
      const outcomes = await loadInWorker(cases);
      for (const outcome of outcomes) {
        const { name, file } = cases[outcome.index]!;
        const where = `case ${outcome.index} (${name}): ${outcome.message.slice(0, 500)}`;
        if (outcome.ms > stats.maxMs) Object.assign(stats, { maxMs: outcome.ms, slowest: name.slice(0, 60) });
        stats.totalMs += outcome.ms;
        assert.equal(outcome.kind, 'ConfigError', where);
        assert.ok(outcome.files.length > 0 && outcome.files.every((named) => named === file), where);
        assert.ok(outcome.message.split('\n').every((line) => line.includes(file)), `every line names the file: ${where}`);
        assert.doesNotMatch(outcome.message, /^\s+at |node:internal|Maximum call stack|Invalid string length/m, where);
      }
    });

    it(`refuses a sample of ${PROCESS_SAMPLE} as real processes: validate and run exit 2, name the file, start nothing`, async () => {
      const step = cases.length / PROCESS_SAMPLE;
      const sample = Array.from({ length: PROCESS_SAMPLE }, (_, i) => Math.floor(i * step));
      // Every special file goes through the real command too.
      for (let i = 0; i < cases.length; i++) if (cases[i]!.name.startsWith('special file') && !sample.includes(i)) sample.push(i);
      await inParallel(sample, 3, async (index) => {
        const { name, file, env } = cases[index]!;
        for (const verb of ['validate', 'run']) {
          const run = runPilotfish({ args: [verb, '--config', file], env });
          const timer = setTimeout(() => run.child.kill('SIGKILL'), PROCESS_HANG_MS);
          const { code } = await run.exited;
          clearTimeout(timer);
          const where = `${verb} case ${index} (${name}):\n${run.output().slice(0, 800)}`;
          assert.equal(code, 2, where);
          assert.ok(run.output().includes(file), where);
          assert.doesNotMatch(run.output(), /^\s+at |node:internal/m, where);
        }
        assert.equal(existsSync(join(dir, `started-${index}`)), false, `case ${index} (${name}) started a job`);
      });
    });
  });
}

/** Loads every case in a worker; a case that takes longer than HANG_MS fails the test by name. */
function loadInWorker(cases: FuzzCase[]): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: cases });
    const outcomes: Outcome[] = [];
    let timer: NodeJS.Timeout | undefined;
    const watch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        void worker.terminate();
        const hung = cases[outcomes.length];
        reject(new Error(`case ${outcomes.length} (${hung?.name}) did not finish within ${HANG_MS} ms`));
      }, HANG_MS);
    };
    watch();
    worker.on('message', (outcome: Outcome) => {
      outcomes.push(outcome);
      watch();
      if (outcomes.length === cases.length) {
        clearTimeout(timer);
        void worker.terminate();
        resolve(outcomes);
      }
    });
    worker.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

// Last, once every constant above is initialised.
if (!isMainThread) loadEveryCase(workerData as FuzzCase[]);
else describeFuzz();
