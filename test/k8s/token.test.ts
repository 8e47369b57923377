import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TokenFile } from '../../src/k8s/token.js';
import { sleep } from '../helpers/wait.js';
import { withWallClockStepped } from '../helpers/wall-clock.js';

/** Replaces the token the way the kubelet does: a new file renamed over the old one. */
function rotate(path: string, token: string): void {
  writeFileSync(`${path}.new`, `${token}\n`);
  renameSync(`${path}.new`, path);
}

describe('service-account token', () => {
  it('is read once, then again once it is older than its maximum age', async () => {
    let now = 0;
    const path = join(mkdtempSync(join(tmpdir(), 'pilotfish-token-')), 'token');
    rotate(path, 'token-a');
    const token = new TokenFile(path, 100, () => now);
    assert.equal(await token.get(), 'token-a');
    rotate(path, 'token-b');
    assert.equal(await token.get(), 'token-a', 'cached');
    now += 99;
    assert.equal(await token.get(), 'token-a', 'still younger than its maximum age');
    now += 1;
    assert.equal(await token.get(), 'token-b');
  });

  it('ages on the monotonic clock: a wall clock stepped back an hour does not keep a rotated token', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pilotfish-token-')), 'token');
    rotate(path, 'token-a');
    const token = new TokenFile(path, 50);
    assert.equal(await token.get(), 'token-a');
    rotate(path, 'token-b');
    await withWallClockStepped(-3_600_000, async () => {
      await sleep(100);
      assert.equal(await token.get(), 'token-b');
    });
  });

  it('is read again at once after the API server rejected it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pilotfish-token-')), 'token');
    rotate(path, 'token-a');
    const token = new TokenFile(path, 60_000);
    assert.equal(await token.get(), 'token-a');
    rotate(path, 'token-b');
    token.invalidate();
    assert.equal(await token.get(), 'token-b');
  });
});
