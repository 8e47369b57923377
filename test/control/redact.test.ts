import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, redactSecrets } from '../../src/control/redact.js';

test('values under keys that name a secret are redacted, at any depth', () => {
  assert.deepEqual(redactSecrets({ consul: { address: 'consul:8500', token: 't0k3n', tls: { clientKeyPassword: 'pw' } }, list: [{ apiKey: 'k' }] }), {
    consul: { address: 'consul:8500', token: REDACTED, tls: { clientKeyPassword: REDACTED } },
    list: [{ apiKey: REDACTED }],
  });
});

test('an environment keeps its names and loses its values', () => {
  assert.deepEqual(redactSecrets({ job: { env: { DB_URL: 'postgres://u:p@db', MODE: 'prod' } } }), {
    job: { env: { DB_URL: REDACTED, MODE: REDACTED } },
  });
});

test('everything else is answered as it is', () => {
  const status = { registered: true, services: ['app'], checks: { app: 'passing' }, port: 9090, nothing: null };
  assert.deepEqual(redactSecrets(status), status);
});
