// A job's start line at INFO names the program, not its command line: templated secrets end up
// in arguments, and logs are shipped to places secrets must not go. The real command, end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand } from '../../src/config/command.js';
import { programName, redactedCommandLine } from '../../src/jobs/job.js';
import { runConfig } from '../helpers/pilotfish.js';

const SECRET = 's3cr3t-token-value';
// Quoted in a command line as `p\@ss\$w\&rd\!`: it must be masked before it is quoted.
const SHELLY_SECRET = 'p@ss$w&rd!';

test('the start line shows the program and its argument count; the command line only at DEBUG, the values the template filled in masked', async () => {
  const config = (level: string) => `{
    logging: { level: "${level}" },
    jobs: [{ name: "client", exec: ["sh", "-c", "true", "--", "--password", "{{ .DB_PASSWORD }}"] },
           { name: "tool", exec: "true --token {{ .DB_PASSWORD }}" },
           { name: "login", exec: ["true", "--password", "{{ .ADMIN_PASSWORD }}", "--as", "admin {{ .ADMIN_PASSWORD }}"] }],
  }`;
  for (const level of ['INFO', 'DEBUG']) {
    // CI=true: an environment value that is not templated, and also names the program, stays.
    const run = runConfig(config(level), { env: { DB_PASSWORD: SECRET, ADMIN_PASSWORD: SHELLY_SECRET, CI: 'true' } });
    await run.exited;
    const output = run.output();
    assert.doesNotMatch(output, new RegExp(SECRET), `${level}: the secret is never logged`);
    assert.doesNotMatch(output, /p\\?@ss/, `${level}: nor is the one quoting would escape`);
    assert.match(output, /\[tool\] started: true \(2 arguments\)/);
    assert.match(output, /\[client\] started: true \(shell command\)/);
    if (level === 'DEBUG') {
      assert.match(output, /\[tool\] command line: true --token \*\*\*/);
      assert.match(output, /\[login\] command line: true --password \*\*\* --as 'admin \*\*\*'/);
    } else assert.doesNotMatch(output, /command line:/);
  }
});

test('a shell command is named by its first plain word only', () => {
  const shell = (script: string) => ({ argv: ['/bin/sh', '-c', script] as [string, ...string[]], display: script });
  assert.equal(programName(shell('nginx -g "daemon off;" | tee x')), 'nginx (shell command)');
  assert.equal(programName(shell('PASSWORD=hunter2 ./app')), '/bin/sh (shell command)');
  assert.equal(programName({ argv: ['server'], display: 'server' }), 'server');
  assert.equal(redactedCommandLine({ argv: ['app', '--key', 'abcdefgh', 'on'], display: 'app --key abcdefgh on' }, ['abcdefgh', 'on']), 'app --key *** on');
  // A value that a plain string's splitting cut into two arguments is masked whole.
  assert.equal(redactedCommandLine(parseCommand('mysql -u root -p hunter2 xyz'), ['hunter2 xyz']), 'mysql -u root -p ***');
  assert.equal(redactedCommandLine(parseCommand(['login', 'p@ss$w&rd!']), ['p@ss$w&rd!']), 'login ***');
});
