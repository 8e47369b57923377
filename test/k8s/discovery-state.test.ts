import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discoveryStatusOf } from '../../src/k8s/discovery-state.js';

describe('discovery state in the Autopilot', () => {
  it('is Disabled without a discovery component', () => {
    assert.deepEqual(discoveryStatusOf(undefined), { state: 'Disabled', services: [] });
  });

  it('is Registered when every service meant to be registered is, with its check', () => {
    const status = discoveryStatusOf({
      consul: 'consul:8500',
      services: [
        { id: 'web-h', name: 'web', state: 'registered', check: 'passing', maintenance: false },
        { id: 'old-h', name: 'old', state: 'deregistered', maintenance: false },
      ],
      watches: [],
    });
    assert.deepEqual(status, { state: 'Registered', location: 'consul:8500', services: [{ name: 'web', registered: true, check: 'passing' }] });
  });

  it('is Registering while a service waits for its job to be healthy', () => {
    assert.equal(discoveryStatusOf({ consul: 'consul:8500', services: [{ id: 'web-h', name: 'web', state: 'waiting', maintenance: false }], watches: [] }).state, 'Registering');
  });

  it('is Unreachable with the error when Consul calls fail or the client could not start', () => {
    assert.deepEqual(discoveryStatusOf({ consul: 'off', services: [], watches: [], error: 'cannot load the Consul client' }), { state: 'Unreachable', message: 'cannot load the Consul client', services: [] });
  });

  it('is Unreachable when a watch query fails, even with nothing to register', () => {
    const status = discoveryStatusOf({
      consul: 'consul:8500',
      services: [],
      watches: [
        { name: 'db', source: 'consul', state: 'waiting', instances: 0, error: 'HTTP 403: ACL not found' },
        { name: 'cache', source: 'consul', state: 'watching', instances: 1 },
      ],
    });
    assert.deepEqual(status, { state: 'Unreachable', location: 'consul:8500', message: 'HTTP 403: ACL not found', services: [] });
  });
});
