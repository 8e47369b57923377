// ContainerPilot's exec splitting, end to end: a template value that renders empty stays an empty
// argument, so `-pw` is not taken as the value of `-u` (issue 12, item 4).
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runPilotfish, writeConfig } from '../helpers/pilotfish.js';

describe('exec strings as ContainerPilot splits them', () => {
  it('passes empty template values as empty arguments', async () => {
    const { dir, file } = writeConfig(`{
  jobs: [{ name: "nodetool", exec: "${'{{ .DIR }}'}/args.py -u {{ .U }} -pw {{ .P }} status", onExit: "shutdown" }],
}`);
    const script = join(dir, 'args.py');
    writeFileSync(script, '#!/usr/bin/env python3\nimport json, sys\nprint("argv=" + json.dumps(sys.argv[1:]))\n');
    chmodSync(script, 0o755);
    const run = runPilotfish({ args: ['run', '--config', file], env: { DIR: dir, U: '', P: undefined } });
    assert.equal((await run.exited).code, 0, run.output());
    assert.match(run.output(), /argv=\["-u", "", "-pw", "", "status"\]/);
  });
});
