import { lookup } from 'node:dns/promises';
import { classifyAddress, classifyHost, hostAsAddress, isLocalhostName } from '../network/ip-address-class';

/** What an endpoint URL may be. Production: https only, only public addresses, only the allowed ports. */
export interface WebhookUrlPolicy {
  /** Refuse http:// (production). */
  readonly httpsOnly: boolean;
  /** Refuse private, loopback, link-local and other non-public addresses, at creation and on every connection. */
  readonly publicAddressesOnly: boolean;
  /** The only ports a URL may name (its scheme's default port counts); null or absent: any port. */
  readonly allowedPorts?: readonly number[] | null;
}

/** Production's webhook ports unless FACEGATE_WEBHOOK_ALLOWED_PORTS says otherwise. */
export const DEFAULT_PRODUCTION_WEBHOOK_PORTS: readonly number[] = [443, 8443];

export const PRODUCTION_URL_POLICY: WebhookUrlPolicy = {
  httpsOnly: true,
  publicAddressesOnly: true,
  allowedPorts: DEFAULT_PRODUCTION_WEBHOOK_PORTS,
};
/** Outside production: https anywhere, and http to loopback (a receiver on this machine). */
export const DEVELOPMENT_URL_POLICY: WebhookUrlPolicy = { httpsOnly: false, publicAddressesOnly: false };

/**
 * The policy for a configuration: production's or development's, with FACEGATE_WEBHOOK_ALLOWED_PORTS
 * (config.webhookAllowedPorts; null = any port) in place of the default ports.
 */
export function webhookUrlPolicyFor(config: {
  readonly production: boolean;
  readonly webhookAllowedPorts?: readonly number[] | null;
}): WebhookUrlPolicy {
  const base = config.production ? PRODUCTION_URL_POLICY : DEVELOPMENT_URL_POLICY;
  return config.webhookAllowedPorts === undefined
    ? base
    : { ...base, allowedPorts: config.webhookAllowedPorts };
}

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

/**
 * True for an address a production webhook may not connect to: anything but globally routable unicast,
 * decided on the parsed address (infrastructure/network/ip-address-class.ts: IPv4-mapped IPv6 is checked as its IPv4;
 * 6to4, Teredo, NAT64, site-local and IPv4-compatible addresses are refused). Not an IP address: true.
 */
export function isNonPublicAddress(address: string): boolean {
  return classifyAddress(address)?.public !== true;
}

/** This machine: a localhost name, or a loopback or unspecified address however it is spelled. */
function isLoopbackHost(hostname: string): boolean {
  const range = classifyHost(hostname)?.range;
  return range === 'loopback' || range === 'unspecified';
}

/**
 * Checks the URL's form and port (and, under publicAddressesOnly, every address its host resolves to).
 * Returns the normalized URL. Throws WebhookUrlError naming the rule broken.
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
  const allowedPorts = policy.allowedPorts ?? null;
  if (allowedPorts !== null) {
    // URL drops the scheme's default port: https://host/ and https://host:443/ both mean 443
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    if (!allowedPorts.includes(port)) {
      throw new WebhookUrlError(
        'URL_PORT_NOT_ALLOWED',
        `url port ${port} is not allowed; allowed: ${allowedPorts.join(', ')} (FACEGATE_WEBHOOK_ALLOWED_PORTS)`,
      );
    }
  }
  url.hash = '';
  if (policy.publicAddressesOnly) await resolvePublic(url.hostname);
  return url.toString();
}

/** Resolves a host and refuses it unless every address is public. Returns the addresses. */
export async function resolvePublic(hostname: string): Promise<{ address: string; family: number }[]> {
  const literal = hostAsAddress(hostname);
  const host = literal ?? hostname;
  let addresses: { address: string; family: number }[];
  if (isLocalhostName(host)) {
    // loopback by definition, whatever a resolver would answer (or fail to)
    addresses = [];
  } else if (literal !== null) {
    addresses = [{ address: literal, family: literal.includes(':') ? 6 : 4 }];
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
      `the host ${host} resolves to a private, loopback, link-local or other non-public address`,
    );
  }
  return addresses;
}
