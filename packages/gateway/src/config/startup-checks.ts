import { lookup } from 'node:dns/promises';
import { classifyAddress, classifyHost } from '../infrastructure/network/ip-address-class';
import { ConfigError } from './env';
import { describeAddress, type GatewayConfig, refuseWeChatUrl } from './load-config';

/**
 * A URL hostname that reaches this machine (the in-process sandbox, never WeChat): a localhost name, or a
 * loopback or unspecified address however it is spelled ([::ffff:7f00:1], 127.1, [0:0:0:0:0:0:0:1] ...).
 */
export function isLoopbackHost(hostname: string): boolean {
  const range = classifyHost(hostname)?.range;
  return range === 'loopback' || range === 'unspecified';
}

/**
 * WeChat's own API hosts (api.weixin.qq.com and the regional and disaster-recovery domains WeChat publishes):
 * trusted by name, so production does not depend on DNS at start-up for them.
 */
const WECHAT_API_HOSTS = [
  'api.weixin.qq.com',
  'api2.weixin.qq.com',
  'sh.api.weixin.qq.com',
  'sz.api.weixin.qq.com',
  'hk.api.weixin.qq.com',
];

/** Resolves a host name to all of its addresses (dns.lookup, as the WeChat client's connections do). */
export type HostLookup = (hostname: string) => Promise<readonly { readonly address: string }[]>;
const systemLookup: HostLookup = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Production's start-up check of WECHAT_API_BASE_URL by name (loadConfig checks addresses and localhost
 * names without DNS): a host other than WeChat's own is resolved, and every answer must be a public
 * address. A name that does not resolve stops start-up too: it cannot be shown not to be this machine or a
 * private network, and WeChat could not be reached through it anyway. Skipped outside production and with
 * FACEGATE_UNSAFE_LOOPBACK_WECHAT=true. Throws ConfigError naming WECHAT_API_BASE_URL.
 */
export async function checkWeChatHost(
  config: Pick<GatewayConfig, 'production' | 'wechat' | 'unsafeLoopbackWeChat'>,
  lookupHost: HostLookup = systemLookup,
): Promise<void> {
  if (!config.production || config.wechat === null || config.unsafeLoopbackWeChat) return;
  const hostname = new URL(config.wechat.apiBaseUrl).hostname;
  const known = classifyHost(hostname);
  if (known !== null) {
    if (!known.public) refuseWeChatUrl(`points at ${describeAddress(known)}`);
    return;
  }
  if (WECHAT_API_HOSTS.includes(hostname.toLowerCase().replace(/\.$/, ''))) return;
  let answers: readonly { readonly address: string }[];
  try {
    answers = await lookupHost(hostname);
  } catch {
    answers = [];
  }
  if (answers.length === 0) {
    throw new ConfigError(
      'WECHAT_API_BASE_URL',
      `the host ${hostname} does not resolve; NODE_ENV=production resolves it at start-up to make sure it is neither this machine nor a private network (fix the name or DNS, or unset it for https://api.weixin.qq.com)`,
    );
  }
  for (const answer of answers) {
    const found = classifyAddress(answer.address);
    if (found === null || !found.public) {
      refuseWeChatUrl(
        `resolves to ${describeAddress(found ?? { address: answer.address, range: 'unknown', public: false })}`,
      );
    }
  }
}

/**
 * What start-up logs as warnings (and the console's System page shows): settings that are allowed but
 * weaken this deployment. No secret appears in them.
 */
export function startupWarnings(
  config: Pick<GatewayConfig, 'production' | 'wechat' | 'unsafeLoopbackWeChat'>,
): string[] {
  const warnings: string[] = [];
  if (config.production && config.unsafeLoopbackWeChat) {
    warnings.push(
      'FACEGATE_UNSAFE_LOOPBACK_WECHAT=true: production does not check that WECHAT_API_BASE_URL is WeChat (it may be a stand-in on this machine or a private network); for load tests only, never in a deployment',
    );
  }
  if (!config.production && config.wechat !== null) {
    warnings.push(
      'WECHAT_APP_ID and WECHAT_APP_SECRET are set but NODE_ENV is not production: WeChat credentials in development mode (GraphiQL, introspection, /metrics on the API port, 100 times the abuse limits); set NODE_ENV=production for a deployment',
    );
  }
  return warnings;
}
