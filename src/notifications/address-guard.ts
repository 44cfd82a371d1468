/**
 * Where agentd may send notifications. A token holder chooses the URL, so without a guard agentd
 * would probe whatever it can reach: its own loopback services, the LAN, a cloud metadata address.
 * Loopback, private, link-local and other special-purpose ranges are refused unless the operator
 * started agentd with --webhook-allow-private.
 *
 * The check that matters runs on the *resolved* address, at connect time: the HTTP request gets a
 * DNS lookup that refuses a forbidden address, so the socket connects to exactly the address that
 * was checked (a name re-pointed between a check and the connect — DNS rebinding — gains nothing).
 * Checking the URL's text when an endpoint is created only gives an early, clear error.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../domain/errors.js';

const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) FORBIDDEN.addSubnet(network, prefix, 'ipv4');
// IPv4-mapped addresses (::ffff:a.b.c.d) are matched against the IPv4 rules by BlockList itself.
for (const [network, prefix] of [
  ['::', 96], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) FORBIDDEN.addSubnet(network, prefix, 'ipv6');

/** The IPv4 address a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address carries, if it is one. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (!groups) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return undefined;
}

function expandIpv6(address: string): number[] | undefined {
  if (isIP(address) !== 6 || address.includes('.')) return undefined;
  const [head, tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** Whether agentd refuses to connect to this IP address without --webhook-allow-private. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
  const inner = family === 6 ? embeddedIpv4(address) : undefined;
  return inner !== undefined && FORBIDDEN.check(inner, 'ipv4');
}

const ALLOW_HINT = 'start agentd with --webhook-allow-private to allow it';

/** Raised by the guarded lookup; its message names the host and the address, never more. */
export class AddressNotAllowedError extends Error {
  readonly code = 'EADDRNOTALLOWED';
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/**
 * A `lookup` for http.request: resolves the name, refuses it if any of its addresses is forbidden
 * (a name that mixes public and private addresses is refused whole), and hands the socket the
 * addresses it checked.
 */
export function guardedLookup(allowPrivate: boolean, resolver: Resolver = systemResolver): LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    resolver(hostname).then((all) => {
      const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
      const addresses = family === 0 ? all : all.filter((a) => a.family === family);
      const blocked = allowPrivate ? undefined : all.find((a) => isForbiddenAddress(a.address));
      if (blocked) {
        callback(new AddressNotAllowedError(`${hostname} resolves to ${blocked.address}, a loopback, private or reserved address: ${ALLOW_HINT}`));
      } else if (addresses.length === 0) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }));
      } else if (options.all) {
        callback(null, addresses);
      } else {
        callback(null, addresses[0]!.address, addresses[0]!.family);
      }
    }, (err: unknown) => callback(err));
  }) as LookupFunction;
}

/** An IP literal in a URL's host (brackets removed), or undefined for a name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) ? bare : undefined;
}

/**
 * Checks a URL given for an endpoint or a push subscription, before anything is stored: http(s)
 * only, and — unless private addresses are allowed — not an address or name that is local by its
 * text (an IP literal in a forbidden range, `localhost`). Names are resolved only when sending.
 */
export function checkTargetUrl(text: string, allowPrivate: boolean, what = 'url'): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || url.hostname === '') {
    throw new AppError('invalid_url', `${what} must be an absolute http:// or https:// URL`);
  }
  if (allowPrivate) return url;
  const literal = ipLiteral(url.hostname);
  const name = url.hostname.toLowerCase().replace(/\.$/, '');
  if ((literal !== undefined && isForbiddenAddress(literal)) || name === 'localhost' || name.endsWith('.localhost')) {
    throw new AppError('address_not_allowed', `${what} points to ${url.hostname}, a loopback, private or reserved address: ${ALLOW_HINT}`, { host: url.hostname });
  }
  return url;
}
