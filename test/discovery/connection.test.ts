// Where the Consul agent is and how to talk to it: the config's `consul` block, overridden by
// Consul's standard environment variables (the deployment's, over the image's config).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consulConnection } from '../../src/discovery/connection.js';

const files: Record<string, string> = { '/run/token': 'from-file\n', '/tls/ca.pem': 'CA', '/tls/cert.pem': 'CERT', '/tls/key.pem': 'KEY' };
const read = (path: string) => {
  const text = files[path];
  if (text === undefined) throw new Error(`ENOENT: ${path}`);
  return text;
};

test('the config alone: its address and scheme, Consul\'s port when none is given', () => {
  assert.deepEqual(consulConnection({ address: 'consul:8500', scheme: 'http' }, {}, read), { url: 'http://consul:8500', tls: { rejectUnauthorized: true } });
  assert.equal(consulConnection({ address: 'consul', scheme: 'https' }, {}, read).url, 'https://consul:8500');
});

test('CONSUL_HTTP_ADDR overrides the address, with its own scheme if it has one', () => {
  assert.equal(consulConnection({ address: 'consul:8500', scheme: 'http' }, { CONSUL_HTTP_ADDR: '10.0.0.5:8501' }, read).url, 'http://10.0.0.5:8501');
  assert.equal(consulConnection({ address: 'consul:8500', scheme: 'http' }, { CONSUL_HTTP_ADDR: 'https://agent:8501' }, read).url, 'https://agent:8501');
  const unix = consulConnection({ address: 'consul:8500', scheme: 'http' }, { CONSUL_HTTP_ADDR: 'unix:///run/consul.sock' }, read);
  assert.equal(unix.socketPath, '/run/consul.sock');
});

test('CONSUL_HTTP_SSL switches the scheme; CONSUL_HTTP_SSL_VERIFY=false stops verifying', () => {
  const connection = consulConnection({ address: 'consul:8501', scheme: 'http' }, { CONSUL_HTTP_SSL: 'true', CONSUL_HTTP_SSL_VERIFY: 'false' }, read);
  assert.equal(connection.url, 'https://consul:8501');
  assert.equal(connection.tls.rejectUnauthorized, false);
  assert.throws(() => consulConnection({ address: 'c:1', scheme: 'http' }, { CONSUL_HTTP_SSL: 'yes please' }, read), /CONSUL_HTTP_SSL=yes please is not a boolean/);
});

test('the token: CONSUL_HTTP_TOKEN, else CONSUL_HTTP_TOKEN_FILE (trimmed), else the config', () => {
  const config = { address: 'c:8500', scheme: 'http' as const, token: 'from-config' };
  assert.equal(consulConnection(config, {}, read).token, 'from-config');
  assert.equal(consulConnection(config, { CONSUL_HTTP_TOKEN_FILE: '/run/token' }, read).token, 'from-file');
  assert.equal(consulConnection(config, { CONSUL_HTTP_TOKEN: 'from-env', CONSUL_HTTP_TOKEN_FILE: '/run/token' }, read).token, 'from-env');
});

test('TLS files come from the environment or the config\'s tls block, read as they are named', () => {
  const fromConfig = consulConnection({ address: 'c:8501', scheme: 'https', tls: { cafile: '/tls/ca.pem', clientcert: '/tls/cert.pem', clientkey: '/tls/key.pem', verify: false } }, {}, read);
  assert.deepEqual(fromConfig.tls, { ca: ['CA'], cert: 'CERT', key: 'KEY', rejectUnauthorized: false });
  const fromEnv = consulConnection({ address: 'c:8501', scheme: 'https' }, { CONSUL_CACERT: '/tls/ca.pem', CONSUL_CLIENT_CERT: '/tls/cert.pem', CONSUL_CLIENT_KEY: '/tls/key.pem' }, read);
  assert.deepEqual(fromEnv.tls, { ca: ['CA'], cert: 'CERT', key: 'KEY', rejectUnauthorized: true });
});
