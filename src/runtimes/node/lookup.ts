import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';

type Done = Parameters<LookupFunction>[2];

/**
 * Name lookups (`net.connect`'s `lookup`, which undici's connector passes on) for deliveries
 * and API reads that cannot take the process's thread pool. `dns.lookup` runs
 * getaddrinfo on libuv's pool, four threads that also inflate the API's pages (gzip) and open
 * files; a destination whose name server never answers held one thread per connection attempt
 * (32 deliveries in flight: every thread, for the resolver's timeout, again and again), and the
 * sync stopped with it. Here a name is looked up once at a time: attempts meanwhile wait for
 * that answer, so a silent name holds one thread. (Not a cap over all names: a working
 * destination's lookup must never wait behind a silent one's.)
 */
export function guardedLookup(lookup: LookupFunction = dnsLookup): LookupFunction {
  const waiting = new Map<string, Done[]>();
  return (hostname, options, done) => {
    const key = `${hostname}\0${JSON.stringify(options)}`;
    const joined = waiting.get(key);
    if (joined) return void joined.push(done);
    waiting.set(key, [done]);
    lookup(hostname, options, (error, address, family) => {
      const all = waiting.get(key) ?? [];
      waiting.delete(key);
      for (const d of all) d(error, address, family);
    });
  };
}
