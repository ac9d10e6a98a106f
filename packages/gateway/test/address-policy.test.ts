import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config';
import { classifyAddress } from '../src/infrastructure/network/ip-address-class';
import { WebhookSender } from '../src/infrastructure/webhooks/webhook-sender';
import {
  checkWebhookUrl,
  DEVELOPMENT_URL_POLICY,
  isNonPublicAddress,
  PRODUCTION_URL_POLICY,
  resolvePublic,
  webhookUrlPolicyFor,
} from '../src/infrastructure/webhooks/webhook-url-policy';
import { startTestGateway, type TestGateway } from './support/test-gateway';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

/**
 * Special-purpose addresses from the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and
 * successors) and RFC 4291, one or more per range: none is a public webhook target.
 */
const NON_PUBLIC: [range: string, addresses: string[]][] = [
  ['0.0.0.0/8 "this network"', ['0.0.0.0', '0.1.2.3']],
  ['10.0.0.0/8 private', ['10.0.0.1', '10.255.255.254']],
  ['100.64.0.0/10 shared (CGNAT)', ['100.64.0.1', '100.127.255.254']],
  ['127.0.0.0/8 loopback', ['127.0.0.1', '127.255.0.9']],
  ['169.254.0.0/16 link-local (cloud metadata)', ['169.254.169.254']],
  ['172.16.0.0/12 private', ['172.16.0.9', '172.31.255.255']],
  ['192.0.0.0/24 IETF protocol assignments', ['192.0.0.1', '192.0.0.170']],
  ['192.0.2.0/24 TEST-NET-1', ['192.0.2.10']],
  ['192.31.196.0/24 AS112', ['192.31.196.1']],
  ['192.52.193.0/24 AMT', ['192.52.193.1']],
  ['192.88.99.0/24 6to4 relay anycast (deprecated)', ['192.88.99.1', '192.88.99.254']],
  ['192.168.0.0/16 private', ['192.168.1.1']],
  ['192.175.48.0/24 AS112', ['192.175.48.6']],
  ['198.18.0.0/15 benchmarking', ['198.18.0.1', '198.19.255.254']],
  ['198.51.100.0/24 TEST-NET-2', ['198.51.100.7']],
  ['203.0.113.0/24 TEST-NET-3', ['203.0.113.9']],
  ['224.0.0.0/4 multicast', ['224.0.0.1', '239.255.255.250']],
  ['240.0.0.0/4 reserved', ['240.0.0.1', '250.1.2.3']],
  ['255.255.255.255 broadcast', ['255.255.255.255']],
  ['::/128 unspecified', ['::']],
  ['::1/128 loopback', ['::1', '0:0:0:0:0:0:0:1']],
  ['::/96 IPv4-compatible (deprecated)', ['::7f00:1', '::a00:1', '::808:808', '::127.0.0.1']],
  [
    '::ffff:0:0/96 IPv4-mapped, classified by the IPv4 inside',
    ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::ffff:192.88.99.1'],
  ],
  ['::ffff:0:0:0/96 IPv4-translated', ['::ffff:0:7f00:1', '::ffff:0:808:808']],
  ['64:ff9b::/96 NAT64', ['64:ff9b::7f00:1', '64:ff9b::808:808']],
  ['64:ff9b:1::/48 local-use NAT64', ['64:ff9b:1::1', '64:ff9b:1::a00:1']],
  ['100::/64 discard-only', ['100::1']],
  ['100:0:0:1::/64 dummy prefix', ['100:0:0:1::1']],
  ['2001::/32 Teredo', ['2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2']],
  ['2001::/23 IETF protocol assignments', ['2001:1::1', '2001:2::1', '2001:10::1', '2001:1ff::1']],
  ['2001:db8::/32 documentation', ['2001:db8::1']],
  [
    '2002::/16 6to4 (refused whatever IPv4 it carries)',
    ['2002:7f00:1::1', '2002:a00:1::1', '2002:808:808::1'],
  ],
  ['3fff::/20 documentation', ['3fff::1']],
  ['5f00::/16 segment routing', ['5f00::1']],
  ['fc00::/7 unique local', ['fc00::1', 'fd12:3456::1']],
  ['fe80::/10 link-local', ['fe80::1', 'fe80::1%eth0']],
  ['fec0::/10 site-local (deprecated)', ['fec0::1', 'feff::1']],
  ['ff00::/8 multicast', ['ff02::1', 'ff0e::1']],
  ['outside 2000::/3 (not allocated for unicast)', ['4000::1', '1::1', 'e000::1']],
];

const PUBLIC = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.216.34',
  '101.91.22.57',
  '172.32.0.1',
  '100.128.0.1',
  '192.88.100.1',
  '2606:4700::1111',
  '2402:4e00::1',
  '::ffff:8.8.8.8',
];

describe('the address classifier (parsed addresses, one list for config and webhooks)', () => {
  it.each(NON_PUBLIC)('%s is not public', (_range, addresses) => {
    for (const address of addresses) expect(isNonPublicAddress(address), address).toBe(true);
  });

  it('public unicast addresses are public', () => {
    for (const address of PUBLIC) expect(isNonPublicAddress(address), address).toBe(false);
  });

  it('anything that is not a plain IP address is refused, never guessed at', () => {
    for (const value of ['', 'example.com', '127.1', '0x7f.0.0.1', '2130706433', '[::1]', '::ffff:127.1']) {
      expect(isNonPublicAddress(value), value).toBe(true);
      expect(classifyAddress(value), value).toBeNull();
    }
  });

  it('names the range, and an IPv4-mapped address by the IPv4 it carries', () => {
    expect(classifyAddress('::ffff:7f00:1')).toEqual({
      address: '127.0.0.1',
      range: 'loopback',
      public: false,
    });
    expect(classifyAddress('::ffff:8.8.8.8')).toEqual({ address: '8.8.8.8', range: 'unicast', public: true });
    expect(classifyAddress('2001::1')?.range).toBe('teredo');
    expect(classifyAddress('::7f00:1')?.range).toBe('ipv4Compatible');
  });
});

describe('checkWebhookUrl in production: every spelling of a non-public address', () => {
  it.each([
    'https://[::ffff:127.0.0.1]/hooks',
    'https://[::ffff:7f00:1]/hooks',
    'https://[0:0:0:0:0:0:0:1]/hooks',
    'https://[::127.0.0.1]/hooks',
    'https://127.1/hooks',
    'https://0x7f.1/hooks',
    'https://2130706433/hooks',
    'https://017700000001/hooks',
    'https://localhost./hooks',
    'https://foo.localhost/hooks',
    'https://[::ffff:a9fe:a9fe]/latest/meta-data',
    'https://[64:ff9b:1::a9fe:a9fe]/hooks',
    'https://[64:ff9b::a00:1]/hooks',
    'https://[2002:a9fe:a9fe::1]/hooks',
    'https://[2001::1]/hooks',
    'https://[fec0::1]/hooks',
    'https://[::a00:1]/hooks',
    'https://192.88.99.1/hooks',
    'https://0.0.0.0/hooks',
  ])('refuses %s', async (url) => {
    await expect(checkWebhookUrl(url, PRODUCTION_URL_POLICY)).rejects.toMatchObject({
      rule: 'URL_ADDRESS_NOT_ALLOWED',
    });
  });

  it('refuses localhost names without asking DNS, and resolvePublic says the same', async () => {
    for (const host of ['localhost', 'localhost.', 'a.b.localhost', '[::ffff:7f00:1]']) {
      await expect(resolvePublic(host), host).rejects.toMatchObject({ rule: 'URL_ADDRESS_NOT_ALLOWED' });
    }
    expect(await resolvePublic('[2606:4700::1111]')).toEqual([{ address: '2606:4700::1111', family: 6 }]);
  });
});

describe('webhook ports: 443 and 8443 in production unless FACEGATE_WEBHOOK_ALLOWED_PORTS says otherwise', () => {
  it('allows 443 (also when implied) and 8443', async () => {
    for (const url of [
      'https://93.184.216.34/x',
      'https://93.184.216.34:443/x',
      'https://93.184.216.34:8443/x',
    ]) {
      expect(await checkWebhookUrl(url, PRODUCTION_URL_POLICY), url).toBe(url.replace(':443/', '/'));
    }
  });

  it.each([22, 25, 80, 6379, 8080, 9200, 65535])('refuses port %i, before any DNS look-up', async (port) => {
    for (const host of ['93.184.216.34', 'hooks.example.invalid']) {
      await expect(checkWebhookUrl(`https://${host}:${port}/x`, PRODUCTION_URL_POLICY)).rejects.toMatchObject(
        {
          rule: 'URL_PORT_NOT_ALLOWED',
          message: expect.stringContaining('FACEGATE_WEBHOOK_ALLOWED_PORTS'),
        },
      );
    }
  });

  it('follows the setting from the configuration', async () => {
    const production = {
      NODE_ENV: 'production',
      WECHAT_APP_ID: 'wx123',
      WECHAT_APP_SECRET: 'abc',
      FACEGATE_SECRET: 'OMaAqbywaDLg7fPT9NIqglHnmaH8YM3xFcu6kz0L9xe8hLIA',
    };
    const custom = webhookUrlPolicyFor(loadConfig({ ...production, FACEGATE_WEBHOOK_ALLOWED_PORTS: '9443' }));
    expect(await checkWebhookUrl('https://93.184.216.34:9443/x', custom)).toBe(
      'https://93.184.216.34:9443/x',
    );
    await expect(checkWebhookUrl('https://93.184.216.34/x', custom)).rejects.toMatchObject({
      rule: 'URL_PORT_NOT_ALLOWED',
    });
    const byDefault = webhookUrlPolicyFor(loadConfig(production));
    await expect(checkWebhookUrl('https://93.184.216.34:8080/x', byDefault)).rejects.toMatchObject({
      rule: 'URL_PORT_NOT_ALLOWED',
    });
  });

  it('outside production any port, and http:// only to this machine however it is spelled', async () => {
    const development = webhookUrlPolicyFor(loadConfig({}));
    expect(development).toEqual({ ...DEVELOPMENT_URL_POLICY, allowedPorts: null });
    for (const url of [
      'http://127.0.0.1:45678/x',
      'http://[::ffff:7f00:1]:45678/x',
      'http://localhost.:1/x',
    ]) {
      expect(await checkWebhookUrl(url, development), url).toBe(url);
    }
    await expect(checkWebhookUrl('http://10.0.0.1:8080/x', development)).rejects.toMatchObject({
      rule: 'URL_HTTPS_REQUIRED',
    });
  });
});

describe('production gateway: createWebhookEndpoint refuses with a typed error', () => {
  let t: TestGateway;
  let key: string;
  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite', env: { NODE_ENV: 'production' } });
    key = await t.createApiKey(['webhooks:write']);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['https://[::ffff:127.0.0.1]/hooks', 'URL_ADDRESS_NOT_ALLOWED'],
    ['https://[2001::1]/hooks', 'URL_ADDRESS_NOT_ALLOWED'],
    ['https://93.184.216.34:6379/hooks', 'URL_PORT_NOT_ALLOWED'],
  ])('%s: BAD_USER_INPUT %s', async (url, rule) => {
    const response = await t.gql(
      'mutation($url: String!) { createWebhookEndpoint(url: $url, events: [VERIFICATION_VERIFIED]) { secret } }',
      { url },
      key,
    );
    expect(response.status).toBe(200);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'url',
      rule,
    });
  });
});

describe('the sender checks the same classifier on every connection', () => {
  let receiver: WebhookReceiver;
  let sender: WebhookSender;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sender = new WebhookSender({ publicAddressesOnly: true, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await sender?.close();
    await receiver?.close();
  });

  it('refuses a loopback receiver reached by a mapped literal or by a name resolving to it', async () => {
    const port = new URL(receiver.url).port;
    for (const url of [
      `http://[::ffff:127.0.0.1]:${port}/hooks`,
      `http://[::ffff:7f00:1]:${port}/hooks`,
      `http://localhost:${port}/hooks`,
    ]) {
      const result = await sender.send(url, {}, '{}');
      expect(result.statusCode, url).toBeNull();
      expect(result.error, url).not.toBeNull();
    }
    expect(receiver.received).toEqual([]);
    // the same receiver answers a sender that allows loopback: the refusals above were the policy's
    const open = new WebhookSender({ publicAddressesOnly: false, timeoutMs: 2000 });
    try {
      expect((await open.send(receiver.url, {}, '{}')).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
