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
    assert.equal(discoveryStatusOf({ consul: 'consul:8500', services: [{ name: 'web', state: 'waiting' }] }).state, 'Registering');
  });

  it('is Unreachable with the error when Consul calls fail or the client could not start', () => {
    assert.deepEqual(discoveryStatusOf({ consul: 'off', services: [], error: 'cannot load the Consul client' }), { state: 'Unreachable', message: 'cannot load the Consul client', services: [] });
  });

  it('is Unreachable when a watch query fails, even with nothing to register', () => {
    const status = discoveryStatusOf({ consul: 'consul:8500', services: [], watches: [{ name: 'db', state: 'waiting', error: 'HTTP 403: ACL not found' }, { name: 'cache', state: 'watching' }] });
    assert.deepEqual(status, { state: 'Unreachable', location: 'consul:8500', message: 'HTTP 403: ACL not found', services: [] });
  });

  it('degrades on shapes it does not know instead of failing', () => {
    assert.deepEqual(discoveryStatusOf({ services: 'many' }), { state: 'Registering', services: [] });
    assert.deepEqual(discoveryStatusOf({ consul: 'c:1', services: [null, 3, { state: 'registered' }], watches: [null, { error: 7 }] }), { state: 'Registered', location: 'c:1', services: [] });
  });
});
