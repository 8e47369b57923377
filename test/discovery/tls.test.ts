// Consul over HTTPS with client certificates, configured by Consul's standard environment
// variables, against a real agent that requires them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsulAgent } from '../helpers/consul.js';
import { HealthSwitch, serviceJob, stopRun } from '../helpers/discovery.js';
import { runConfig } from '../helpers/pilotfish.js';
import { waitFor } from '../helpers/wait.js';

interface Pki {
  caFile: string;
  server: { certFile: string; keyFile: string };
  client: { certFile: string; keyFile: string };
}

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, with openssl. */
function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'pilotfish-pki-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=pilotfish test CA');
  const issue = (name: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.pem`, '-extfile', `${name}.ext`);
    return { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
  };
  return {
    caFile: join(dir, 'ca.pem'),
    server: issue('server', 'subjectAltName=IP:127.0.0.1,DNS:server.dc1.consul\nextendedKeyUsage=serverAuth,clientAuth\n'),
    client: issue('client', 'extendedKeyUsage=clientAuth\n'),
  };
}

let pki: Pki;
let consul: ConsulAgent;
before(async () => {
  pki = makePki();
  consul = await ConsulAgent.start({ tls: { caFile: pki.caFile, ...pki.server } });
});
after(() => consul.stop());

test('CONSUL_HTTP_ADDR, CONSUL_CACERT, CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY reach an agent that requires client certificates', async () => {
  const health = new HealthSwitch().healthy('ok');
  const run = runConfig(`{ consul: "127.0.0.1:1", jobs: [${serviceJob('secured', health)}] }`, {
    env: {
      CONSUL_HTTP_ADDR: `https://127.0.0.1:${consul.httpsPort}`,
      CONSUL_CACERT: pki.caFile,
      CONSUL_CLIENT_CERT: pki.client.certFile,
      CONSUL_CLIENT_KEY: pki.client.keyFile,
    },
  });
  await waitFor(async () => (await consul.passing('secured')).length === 1, `secured registered over HTTPS:\n${run.output()}`, 20_000);
  await stopRun(run);
});

test('a server certificate from an unknown CA is refused, and said so', async () => {
  const health = new HealthSwitch().healthy('ok');
  const run = runConfig(`{ consul: "https://127.0.0.1:${consul.httpsPort}", jobs: [${serviceJob('doubtful', health)}] }`, {
    env: { CONSUL_CLIENT_CERT: pki.client.certFile, CONSUL_CLIENT_KEY: pki.client.keyFile },
  });
  await run.waitForLine(/Consul at https:\/\/127\.0\.0\.1:\d+ is failing: .*certificate/, 20_000);
  assert.equal((await consul.passing('doubtful')).length, 0);
  await stopRun(run);
});
