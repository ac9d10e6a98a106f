import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which kind of address an IP address is, decided on the parsed address, never on its spelling: the one
 * classifier behind production's WECHAT_API_BASE_URL check (config/startup-checks.ts) and the webhook address policy (at
 * creation and on every connection). ipaddr.js names the IANA special-purpose ranges (RFC 6890 and
 * successors: private, loopback, link-local, CGNAT, documentation, benchmarking, 6to4, Teredo, NAT64,
 * site-local, ...); anything it does not call 'unicast' is not public. EXTRA_IPV6_RANGES adds what its
 * names miss.
 */
export interface AddressClass {
  /** The address classified: for an IPv4-mapped IPv6 address (::ffff:a.b.c.d), the IPv4 inside it. */
  readonly address: string;
  /** ipaddr.js's range name ('unicast', 'loopback', 'private', 'linkLocal', '6to4', ...) or an extra below. */
  readonly range: string;
  /** Globally routable unicast: the only kind a production webhook or WeChat may be. */
  readonly public: boolean;
}

/** IPv6 ranges that ipaddr.js 2.5 reports as 'unicast' but are not public. */
const EXTRA_IPV6_RANGES: readonly [name: string, range: [ipaddr.IPv6, number]][] = [
  // IPv4-compatible addresses (RFC 4291 2.5.5.1, deprecated): ::a.b.c.d reaches a.b.c.d on some stacks
  ['ipv4Compatible', ipaddr.IPv6.parseCIDR('::/96')],
];
/** Global unicast is allocated from 2000::/3 only; the rest is reserved by the IETF (RFC 4291 2.4). */
const GLOBAL_UNICAST_IPV6 = ipaddr.IPv6.parseCIDR('2000::/3');

/** Classifies an IP address ('127.0.0.1', '::ffff:7f00:1', 'fe80::1%eth0'); null when it is not one. */
export function classifyAddress(address: string): AddressClass | null {
  // node's parser, strict: dotted-decimal IPv4 only (a URL has already turned 127.1 or 0x7f.1 into that)
  if (isIP(address) === 0) return null;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process(): an IPv4-mapped IPv6 address is classified by the IPv4 address it carries
    parsed = ipaddr.process(address);
  } catch {
    return null;
  }
  let range: string = parsed.range();
  if (range === 'unicast' && parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    range =
      EXTRA_IPV6_RANGES.find(([, cidr]) => v6.match(cidr))?.[0] ??
      (v6.match(GLOBAL_UNICAST_IPV6) ? 'unicast' : 'ietfReserved');
  }
  return { address: parsed.toString(), range, public: range === 'unicast' };
}

/** A URL's hostname as an IP address ('[::1]' -> '::1'), or null when it is a name. */
export function hostAsAddress(hostname: string): string | null {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(host) === 0 ? null : host;
}

/** 'localhost' and every name under it, with or without the final dot: loopback by definition (RFC 6761 6.3). */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * What a URL's host is without asking DNS: an address's class, 'loopback' for the localhost names, or null
 * for any other name (only resolving it tells).
 */
export function classifyHost(hostname: string): AddressClass | null {
  if (isLocalhostName(hostname)) return { address: hostname, range: 'loopback', public: false };
  const address = hostAsAddress(hostname);
  return address === null ? null : classifyAddress(address);
}
