// The image recipes, without a Docker engine: Dockerfile.example's instructions checked against
// the repository (what it COPYs exists, its entrypoint is the package's `bin`, its CMD is the
// config's main job), then its runtime stage reproduced: the npm-packed tarball installed with
// --omit=dev, run as PID 1 by an unprivileged user in a network namespace, the app reached on the
// container's address and `pilotfish status` reaching the control socket. examples/nginx's
// recipe is checked the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import JSON5 from 'json5';
import { renderTemplate } from '../../src/config/template.js';
import { asNobody, CONTAINER_ADDRESS, containerEnv, fetchInNamespaceOf, inNetworkNamespace, NOBODY, privateTmp } from '../helpers/container.js';
import { innerPid, REPO_ROOT, runPilotfish } from '../helpers/pilotfish.js';

interface Instruction {
  keyword: string;
  args: string;
}

/** The instructions of a Dockerfile: comments dropped, continuation lines joined. */
function instructions(file: string): Instruction[] {
  const logical = readFileSync(join(REPO_ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replaceAll(/\\\n/g, ' ');
  return logical
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.trim().split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Stages of a Dockerfile, each a list of its instructions (FROM first). */
function stages(file: string): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of instructions(file)) {
    if (instruction.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(instruction);
  }
  return result;
}

function only(stage: Instruction[], keyword: string): string[] {
  return stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
}

/** `COPY` sources from the build context (not `--from` another stage) that do not exist in the repository. */
function missingCopySources(stage: Instruction[], builtBy = 'npm run build'): string[] {
  return only(stage, 'COPY')
    .filter((args) => !args.startsWith('--from='))
    .flatMap((args) => args.replace(/^--\S+\s+/g, '').split(/\s+/).slice(0, -1))
    // dist/ is what the build makes (`${builtBy}` runs before docker build).
    .filter((source) => !source.startsWith('dist/') && !existsSync(join(REPO_ROOT, source)));
}

/** ENV's `NAME=value` pairs. */
function environment(stage: Instruction[]): Record<string, string> {
  return Object.fromEntries(only(stage, 'ENV').flatMap((args) => args.split(/\s+/).map((pair) => pair.split('=', 2) as [string, string])));
}

/** The config's jobs, rendered with an empty environment. */
function configJobs(file: string): { main: string; jobs: { name: string; exec: string[]; stopSignal?: string; when?: { source?: string } }[] } {
  return JSON5.parse(renderTemplate(readFileSync(join(REPO_ROOT, file), 'utf8'), {}));
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; devDependencies: Record<string, string> };

test('Dockerfile.example builds from this repository: a Node 24 slim build stage that packs, a runtime stage that installs the tarball without dev dependencies', () => {
  const [build, runtime, ...more] = stages('Dockerfile.example');
  assert.ok(build && runtime && more.length === 0, 'two stages');
  assert.match(only(build, 'FROM')[0]!, /^node:24-bookworm-slim AS build$/);
  assert.equal(only(runtime, 'FROM')[0], 'node:24-bookworm-slim');
  assert.deepEqual(missingCopySources(build), []);
  assert.deepEqual(missingCopySources(runtime), []);
  // The package's own build (`prepare`), not `build`, which also makes the single executable the image does not use.
  assert.match(only(build, 'RUN').join(' && '), /npm ci .*&& npm run prepare && npm pack .*--pack-destination \/pack/);
  assert.match(only(runtime, 'COPY')[0]!, /^--from=build \/pack\/ \/tmp\/pack\/$/);
  assert.match(only(runtime, 'RUN').join(' && '), /npm install --global --omit=dev --ignore-scripts \/tmp\/pack\/pilotfish-\*\.tgz/);
});

test('Dockerfile.example runs the hello example as a non-root user, with pilotfish (the bin) as the exec-form entrypoint and the app as CMD', () => {
  const runtime = stages('Dockerfile.example')[1]!;
  const user = only(runtime, 'USER')[0];
  assert.ok(user !== undefined && user !== 'root' && user !== '0', `USER ${user}`);
  assert.deepEqual(JSON.parse(only(runtime, 'ENTRYPOINT')[0]!), ['pilotfish', '--']);
  assert.ok(manifest.bin.pilotfish, 'pilotfish is the package bin');

  // COPY examples/hello/ /app/ and WORKDIR /app: the image's /app/X is the repository's examples/hello/X.
  assert.ok(only(runtime, 'COPY').includes('examples/hello/ /app/'));
  assert.deepEqual(only(runtime, 'WORKDIR'), ['/app']);
  const env = environment(runtime);
  assert.equal(env.PILOTFISH_CONFIG, '/app/pilotfish.json5');
  const config = configJobs('examples/hello/pilotfish.json5');
  // The command after `--` is the job named `main`: the config's entry of that name is the one it replaces.
  assert.equal(config.main, 'main');
  const [program, ...args] = JSON.parse(only(runtime, 'CMD')[0]!) as string[];
  assert.deepEqual([program, ...args], config.jobs.find((job) => job.name === 'main')?.exec);
  for (const arg of args) assert.ok(existsSync(join(REPO_ROOT, 'examples/hello', arg)), `${arg} is in examples/hello`);
  // The example writes its greeting at start-up: somewhere the non-root user may write.
  assert.match(env.HELLO_GREETING_FILE ?? '', /^\/tmp\//);
  assert.deepEqual(only(runtime, 'EXPOSE'), ['8080']);
});

test('the runtime stage reproduced: the packed tarball, installed without dev dependencies, runs the example as a non-root PID 1; the app answers on the container address, the CLI on the control socket', async () => {
  // Everything the namespace runs lives in the directory that is its /tmp (the bind mount hides the real one).
  const { tmp } = privateTmp();
  cpSync(join(REPO_ROOT, 'examples/hello'), join(tmp, 'app'), { recursive: true, filter: (source) => !source.endsWith('greeting.txt') });
  const npm = (args: string[]) => execFileSync('npm', [...args, '--no-audit', '--no-fund'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  npm(['pack', '--ignore-scripts', '--pack-destination', tmp]);
  const [tarball] = readdirSync(tmp).filter((name) => /^pilotfish-.*\.tgz$/.test(name));
  assert.ok(tarball, 'npm pack made a tarball');
  // --prefer-offline: the npm cache that `npm ci` filled is enough, the npm registry only when it is not.
  npm(['install', '--global', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--prefix', join(tmp, 'usr-local'), join(tmp, tarball)]);
  const installed = join(tmp, 'usr-local/lib/node_modules/pilotfish');
  for (const dev of Object.keys(manifest.devDependencies)) assert.ok(!existsSync(join(installed, 'node_modules', dev)), `${dev} (a dev dependency) is not installed`);
  assert.ok(statSync(join(tmp, 'usr-local/bin/pilotfish')).mode & 0o001, 'the bin is executable by everyone');
  const bin = '/tmp/usr-local/bin/pilotfish';

  // The image's ENV, with /app at /tmp/app (a mount namespace cannot create /app on this host).
  const env = containerEnv({ ...environment(stages('Dockerfile.example')[1]!), PILOTFISH_CONFIG: '/tmp/app/pilotfish.json5' });
  // Until `pilotfish -- CMD` is merged, `run`: the config's `main` job has the CMD as its exec.
  const run = runPilotfish({ command: inNetworkNamespace(asNobody([bin], tmp)), args: ['run'], env, asPid1: true });
  await run.waitForLine(/\[main\] is healthy/, 60_000);
  assert.match(fetchInNamespaceOf(innerPid(run.child.pid!), `http://${CONTAINER_ADDRESS}:8080/`), /hello from pilotfish \(request \d+\)/);

  const cli = runPilotfish({ command: asNobody([bin], tmp), args: ['status'], env });
  const { code } = await cli.exited;
  assert.equal(code, 0, cli.output());
  assert.match(cli.output(), /^main +running +healthy/m);
  assert.match(cli.output(), /control: listening on \/tmp\/pilotfish-65534\/pilotfish\.socket/);
  assert.equal(statSync(join(tmp, `pilotfish-${NOBODY}`)).uid, NOBODY);

  run.signal('SIGTERM');
  assert.equal((await run.exited).code, 0, run.output());
  assert.match(run.output(), /\[goodbye\] goodbye from the postStop hook/);
  assert.doesNotMatch(run.output(), /ERROR/);
});

test('examples/nginx/Dockerfile: the single executable COPYed into nginx\'s image, nginx as the main job with a graceful stop, a health check and a reload hook', () => {
  const [image, ...more] = stages('examples/nginx/Dockerfile');
  assert.ok(image && more.length === 0, 'one stage');
  assert.match(only(image, 'FROM')[0]!, /^nginx:/);
  assert.deepEqual(missingCopySources(image), []);
  assert.ok(only(image, 'COPY').includes('dist/pilotfish /usr/local/bin/pilotfish'), 'the executable is the whole install');
  assert.ok(!only(image, 'RUN').some((args) => /\b(npm|node|apt-get)\b/.test(args)), 'nothing else installed');
  assert.deepEqual(JSON.parse(only(image, 'ENTRYPOINT')[0]!), ['pilotfish', '--']);
  assert.ok(only(image, 'COPY').includes('examples/nginx/pilotfish.json5 /etc/pilotfish.json5'));
  assert.equal(environment(image).PILOTFISH_CONFIG, '/etc/pilotfish.json5');

  const config = configJobs('examples/nginx/pilotfish.json5');
  const main = config.jobs.find((job) => job.name === config.main);
  assert.equal(config.main, 'main');
  assert.deepEqual(JSON.parse(only(image, 'CMD')[0]!), main?.exec);
  assert.equal(main?.stopSignal, 'SIGQUIT');
  assert.ok(config.jobs.some((job) => job.when?.source === 'SIGHUP' && job.exec.join(' ') === 'nginx -s reload'), 'a reload hook on SIGHUP');
  const validate = runPilotfish({ args: ['validate', '--config', 'examples/nginx/pilotfish.json5'] });
  return validate.exited.then(({ code }) => assert.equal(code, 0, validate.output()));
});
