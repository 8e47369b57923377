import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesConfig } from '../../src/config/types.js';
import { BridgeSettingsError, bridgeEnabled, resolveSettings } from '../../src/k8s/settings.js';

const DEFAULTS: KubernetesConfig = {
  tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
  caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
  events: true,
  readinessGate: true,
};
const POD_ENV = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', POD_NAME: 'web-7d9f', POD_NAMESPACE: 'shop', POD_UID: 'u-1', NODE_NAME: 'node-a' };
const noFile = (): string => {
  throw new Error('ENOENT');
};

describe('bridge settings', () => {
  it('turn the bridge on in a pod, and let config force it either way', () => {
    assert.equal(bridgeEnabled(DEFAULTS, POD_ENV), true);
    assert.equal(bridgeEnabled(DEFAULTS, {}), false);
    assert.equal(bridgeEnabled({ ...DEFAULTS, enabled: false }, POD_ENV), false);
    assert.equal(bridgeEnabled({ ...DEFAULTS, enabled: true }, {}), true);
  });

  it('take the API server from the in-cluster environment and the identity from the downward API', () => {
    assert.deepEqual(resolveSettings(DEFAULTS, POD_ENV, noFile), {
      server: 'https://10.96.0.1:443',
      tokenFile: DEFAULTS.tokenFile,
      caFile: DEFAULTS.caFile,
      pod: { name: 'web-7d9f', namespace: 'shop', uid: 'u-1', nodeName: 'node-a' },
      events: true,
      readinessGate: true,
    });
  });

  it('bracket an IPv6 service host', () => {
    assert.equal(resolveSettings(DEFAULTS, { ...POD_ENV, KUBERNETES_SERVICE_HOST: 'fd00::1' }, noFile).server, 'https://[fd00::1]:443');
  });

  it('prefer the configured API server and namespace', () => {
    const settings = resolveSettings({ ...DEFAULTS, apiServer: 'https://api.example:6443', namespace: 'ops' }, POD_ENV, noFile);
    assert.equal(settings.server, 'https://api.example:6443');
    assert.equal(settings.pod.namespace, 'ops');
  });

  it("fall back to the service account's namespace file beside the token", () => {
    const read = (path: string) => (path === '/var/run/secrets/kubernetes.io/serviceaccount/namespace' ? 'shop\n' : noFile());
    const { POD_NAMESPACE: _, ...env } = POD_ENV;
    assert.equal(resolveSettings(DEFAULTS, env, read).pod.namespace, 'shop');
  });

  it('name what is missing when there is no API server or no namespace', () => {
    assert.throws(() => resolveSettings({ ...DEFAULTS, enabled: true }, { POD_NAMESPACE: 'shop' }, noFile), (error: Error) => error instanceof BridgeSettingsError && /KUBERNETES_SERVICE_HOST/.test(error.message));
    assert.throws(() => resolveSettings(DEFAULTS, { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, noFile), /POD_NAMESPACE/);
  });
});
