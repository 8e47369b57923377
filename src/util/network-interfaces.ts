// Chooses the address a service advertises from the machine's network interfaces, with
// ContainerPilot's `interfaces` specs (config/services/ips.go). The first spec that matches wins:
//   "eth0" / "eth0:inet"   the interface's first IPv4 address
//   "eth0:inet6"           its first IPv6 address
//   "eth0[1]"              its address at that index (both families, in sorted order)
//   "10.0.0.0/16"          the first address inside the CIDR, on any interface
//   "inet" / "inet6"       the first non-loopback address of that family
//   "static:1.2.3.4"       that address, as written
// Addresses are considered sorted by interface name, then by IP bytes, as ContainerPilot does, so
// the choice does not depend on the order the kernel lists them in.
import { BlockList, isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

/** The shape of `os.networkInterfaces()`. */
export type NetworkInterfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

interface Candidate {
  interfaceName: string;
  address: string;
  family: 'inet' | 'inet6';
  internal: boolean;
}

export class InterfaceSpecError extends Error {}

/** The advertised address for `specs`, or throws naming the specs and what the machine has. */
export function resolveAddress(specs: readonly string[], interfaces: NetworkInterfaces): string {
  const candidates = sortedCandidates(interfaces);
  for (const spec of specs) {
    const address = matchSpec(spec.trim(), candidates);
    if (address !== undefined) return address;
  }
  const available = candidates.map((candidate) => `${candidate.interfaceName} ${candidate.address}`).join(', ') || 'none';
  throw new InterfaceSpecError(`no address matches interfaces ${JSON.stringify(specs)} (addresses here: ${available})`);
}

function matchSpec(spec: string, candidates: readonly Candidate[]): string | undefined {
  if (spec.startsWith('static:')) return spec.slice('static:'.length);
  if (spec === 'inet' || spec === 'inet6') {
    // Link-local IPv6 addresses need a zone to be reachable, which no other host can use.
    return candidates.find((candidate) => candidate.family === spec && !candidate.internal && !isLinkLocal(candidate))?.address;
  }
  if (spec.includes('/')) return matchCidr(spec, candidates);
  const indexed = /^(.+)\[(\d+)\]$/.exec(spec);
  if (indexed) {
    const [, name, index] = indexed as unknown as [string, string, string];
    return candidates.filter((candidate) => candidate.interfaceName === name)[Number(index)]?.address;
  }
  const [name, family = 'inet'] = spec.split(':');
  if (family !== 'inet' && family !== 'inet6') return undefined;
  return candidates.find((candidate) => candidate.interfaceName === name && candidate.family === family)?.address;
}

function matchCidr(spec: string, candidates: readonly Candidate[]): string | undefined {
  const [network = '', bits = ''] = spec.split('/');
  const type = isIP(network) === 6 ? 'ipv6' : 'ipv4';
  const block = new BlockList();
  try {
    block.addSubnet(network, Number(bits), type);
  } catch {
    throw new InterfaceSpecError(`interfaces: "${spec}" is not a valid CIDR`);
  }
  return candidates.find((candidate) => (candidate.family === 'inet6') === (type === 'ipv6') && block.check(candidate.address, type))?.address;
}

function sortedCandidates(interfaces: NetworkInterfaces): Candidate[] {
  const candidates = Object.entries(interfaces).flatMap(([interfaceName, infos]) =>
    (infos ?? []).map(
      (info): Candidate => ({
        interfaceName,
        address: info.address,
        family: info.family === 'IPv6' ? 'inet6' : 'inet',
        internal: info.internal,
      }),
    ),
  );
  return candidates.sort((a, b) => compareText(a.interfaceName, b.interfaceName) || compareBytes(sortKey(a.address), sortKey(b.address)));
}

/** Go's 16-byte form (IPv4 as ::ffff:a.b.c.d), so IPv4 sorts before global IPv6 as in ContainerPilot. */
function sortKey(address: string): number[] {
  const bytes = ipBytes(address);
  return bytes.length === 4 ? [...new Array<number>(10).fill(0), 0xff, 0xff, ...bytes] : bytes;
}

function isLinkLocal(candidate: Candidate): boolean {
  return candidate.family === 'inet6' && /^fe[89ab]/i.test(candidate.address);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** An address as bytes: 4 for IPv4, 16 for IPv6 (zone ids dropped). */
export function ipBytes(address: string): number[] {
  const plain = address.split('%')[0] ?? address;
  if (isIP(plain) === 4) return plain.split('.').map(Number);
  const [head = '', tail = ''] = plain.includes('::') ? plain.split('::') : [plain, ''];
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const headGroups = groups(head);
  const tailGroups = groups(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for two groups.
  const expand = (list: string[]) =>
    list.flatMap((group) => (group.includes('.') ? ipv4AsGroups(group) : [parseInt(group, 16)]));
  const headValues = expand(headGroups);
  const tailValues = expand(tailGroups);
  const values = [...headValues, ...new Array<number>(8 - headValues.length - tailValues.length).fill(0), ...tailValues];
  return values.flatMap((value) => [value >> 8, value & 0xff]);
}

function ipv4AsGroups(text: string): number[] {
  const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number);
  return [(a << 8) | b, (c << 8) | d];
}
