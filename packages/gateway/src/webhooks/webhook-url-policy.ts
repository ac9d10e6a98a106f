import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** What an endpoint URL may be. Production: https only, and only public addresses. */
export interface WebhookUrlPolicy {
  /** Refuse http:// (production). */
  readonly httpsOnly: boolean;
  /** Refuse private, loopback, link-local and other non-public addresses, at creation and on every connection. */
  readonly publicAddressesOnly: boolean;
}

export const PRODUCTION_URL_POLICY: WebhookUrlPolicy = { httpsOnly: true, publicAddressesOnly: true };
/** Outside production: https anywhere, and http to loopback (a receiver on this machine). */
export const DEVELOPMENT_URL_POLICY: WebhookUrlPolicy = { httpsOnly: false, publicAddressesOnly: false };

export class WebhookUrlError extends Error {
  readonly code = 'WEBHOOK_URL' as const;
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookUrlError';
  }
}

/** Addresses a webhook must never reach in production (RFC 6890 special-purpose ranges and friends). */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['64:ff9b::', 96],
  ['100::', 64],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** True for an address a production webhook may not connect to (IPv4-mapped IPv6 is checked as IPv4). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return NON_PUBLIC.check(mapped, 'ipv4');
  const family = isIP(address);
  if (family === 4) return NON_PUBLIC.check(address, 'ipv4');
  if (family === 6) return NON_PUBLIC.check(address, 'ipv6');
  return true;
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Checks the URL's form (and, under publicAddressesOnly, every address its host resolves to). Returns the
 * normalized URL. Throws WebhookUrlError naming the rule broken.
 */
export async function checkWebhookUrl(raw: string, policy: WebhookUrlPolicy): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new WebhookUrlError('URL_FORMAT', 'url must be an absolute https:// URL');
  }
  if (raw.length > 2048) throw new WebhookUrlError('URL_FORMAT', 'url must be at most 2048 characters');
  if (url.username !== '' || url.password !== '') {
    throw new WebhookUrlError('URL_CREDENTIALS', 'url must not carry a user name or password');
  }
  if (url.protocol === 'http:') {
    if (policy.httpsOnly)
      throw new WebhookUrlError('URL_HTTPS_REQUIRED', 'url must use https:// in production');
    if (!isLoopbackHost(url.hostname)) {
      throw new WebhookUrlError('URL_HTTPS_REQUIRED', 'http:// is allowed only to loopback; use https://');
    }
  } else if (url.protocol !== 'https:') {
    throw new WebhookUrlError('URL_FORMAT', 'url must be an absolute https:// URL');
  }
  url.hash = '';
  if (policy.publicAddressesOnly) await resolvePublic(url.hostname);
  return url.toString();
}

/** Resolves a host and refuses it unless every address is public. Returns the addresses. */
export async function resolvePublic(hostname: string): Promise<{ address: string; family: number }[]> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(host) !== 0) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new WebhookUrlError('URL_UNRESOLVABLE', `the host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0 || addresses.some((a) => isNonPublicAddress(a.address))) {
    throw new WebhookUrlError(
      'URL_ADDRESS_NOT_ALLOWED',
      `the host ${host} resolves to a private, loopback or link-local address`,
    );
  }
  return addresses;
}
