// dns.lookup, but a caller whose host name is being looked up already waits for that lookup
// instead of starting another. A lookup outlives the request that timed out on it (getaddrinfo
// cannot be cancelled): with a DNS server that does not answer, each health check or Consul
// request queued one more in libuv's thread pool, without bound, ahead of every other lookup and
// of the file reads that share the pool.
import type { LookupFunction } from 'node:net';

/** Lookups of host names under way, by name and options: the callbacks waiting for each. */
const lookupsUnderWay = new Map<string, Array<Parameters<LookupFunction>[2]>>();

export const sharedLookup: LookupFunction = (hostname, options, callback) => {
  const key = JSON.stringify([hostname, options]);
  const waiting = lookupsUnderWay.get(key);
  if (waiting) return void waiting.push(callback);
  const callbacks = [callback];
  lookupsUnderWay.set(key, callbacks);
  // node:dns (and c-ares' binding) loads on the first name looked up, not at every start.
  process.getBuiltinModule('node:dns').lookup(hostname, options, (error, address, family) => {
    lookupsUnderWay.delete(key);
    for (const waiter of callbacks) waiter(error, address, family);
  });
};
