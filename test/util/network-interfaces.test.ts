// Which address a service advertises, for each of ContainerPilot's `interfaces` spec forms,
// against fixtures shaped like os.networkInterfaces().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { InterfaceSpecError, ipBytes, resolveAddress, type NetworkInterfaces } from '../../src/util/network-interfaces.js';

function ipv4(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:42:ac:11:00:02', internal, cidr: `${address}/24` };
}
function ipv6(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:42:ac:11:00:02', internal, cidr: `${address}/64`, scopeid: 0 };
}

// Listed out of order on purpose: the choice must not depend on the kernel's order.
const container: NetworkInterfaces = {
  lo: [ipv4('127.0.0.1', true), ipv6('::1', true)],
  eth1: [ipv4('192.168.5.20'), ipv6('fd00::20')],
  eth0: [ipv6('fe80::42:acff:fe11:2'), ipv4('172.17.0.9'), ipv4('172.17.0.2'), ipv6('2001:db8::2')],
};

test('an interface name means its first IPv4 address, in IP order', () => {
  assert.equal(resolveAddress(['eth0'], container), '172.17.0.2');
  assert.equal(resolveAddress(['eth0:inet'], container), '172.17.0.2');
  assert.equal(resolveAddress(['eth1'], container), '192.168.5.20');
});

test('name:inet6 picks the interface\'s first IPv6 address', () => {
  assert.equal(resolveAddress(['eth0:inet6'], container), '2001:db8::2');
});

test('name[i] indexes the interface\'s addresses of both families, sorted by bytes', () => {
  assert.equal(resolveAddress(['eth0[0]'], container), '172.17.0.2');
  assert.equal(resolveAddress(['eth0[1]'], container), '172.17.0.9');
  assert.equal(resolveAddress(['eth0[2]'], container), '2001:db8::2');
});

test('a CIDR picks the first address inside it on any interface', () => {
  assert.equal(resolveAddress(['192.168.0.0/16'], container), '192.168.5.20');
  assert.equal(resolveAddress(['172.17.0.8/29'], container), '172.17.0.9');
  assert.equal(resolveAddress(['fd00::/8'], container), 'fd00::20');
});

test('inet and inet6 skip loopback (and inet6 link-local), taking interfaces in name order', () => {
  assert.equal(resolveAddress(['inet'], container), '172.17.0.2');
  assert.equal(resolveAddress(['inet6'], container), '2001:db8::2');
  assert.throws(() => resolveAddress(['inet'], { lo: [ipv4('127.0.0.1', true)] }), InterfaceSpecError);
});

test('static: is taken as written', () => {
  assert.equal(resolveAddress(['static:10.1.2.3'], container), '10.1.2.3');
});

test('the first spec that matches wins; the default falls back from eth0 to any interface', () => {
  assert.equal(resolveAddress(['eth9', 'eth1', 'eth0'], container), '192.168.5.20');
  const noEth0: NetworkInterfaces = { lo: [ipv4('127.0.0.1', true)], ens3: [ipv4('10.0.0.7')] };
  assert.equal(resolveAddress(['eth0:inet', 'inet'], noEth0), '10.0.0.7');
});

test('a loopback interface can be named explicitly', () => {
  assert.equal(resolveAddress(['lo'], container), '127.0.0.1');
});

test('no match is an error that lists what the machine has', () => {
  assert.throws(
    () => resolveAddress(['eth5', '10.0.0.0/8'], container),
    (error: Error) => error instanceof InterfaceSpecError && /eth5/.test(error.message) && /eth0 172\.17\.0\.2/.test(error.message),
  );
  assert.throws(() => resolveAddress(['10.0.0.0/99'], container), /not a valid CIDR/);
});

test('ipBytes expands IPv6 shorthand and embedded IPv4', () => {
  assert.deepEqual(ipBytes('10.0.0.1'), [10, 0, 0, 1]);
  assert.deepEqual(ipBytes('::1'), [...new Array(15).fill(0), 1]);
  assert.deepEqual(ipBytes('::ffff:1.2.3.4').slice(10), [0xff, 0xff, 1, 2, 3, 4]);
  assert.deepEqual(ipBytes('2001:db8::2').slice(0, 4), [0x20, 0x01, 0x0d, 0xb8]);
});
