import { SANDBOX_DEVTOOLS_OPENID } from '@facegate/domain';
import { SANDBOX_TEST_IDENTITIES, type Sandbox, startSandbox } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/test-gateway';

/**
 * Trying the mini program in WeChat DevTools without an approved AppID: in sandbox mode only, a DevTools
 * wx.login (a code the sandbox never issued) signs in as one labelled test user, and the gateway says it is a
 * sandbox and where the sandbox's device routes are. Outside sandbox mode (production, or any gateway with
 * WeChat credentials) neither happens.
 */

const DEVTOOLS_CODES = ['0c3Xyz0w3eLmQk2vA11w3YtJqa4Xyz0p', 'the-devtools-mock-code'];

const INFO = 'query { gatewayInfo { sandbox } }';
const DEVICE = 'query { sandboxDevice { url openid identities { scenario name idCardNumber note } } }';
const SIGN_IN = 'mutation($code: String!) { signIn(code: $code) { token expiresAt } }';

async function signInWith(t: TestGateway, code: string) {
  const { body } = await t.gql<{ signIn: { token: string } }>(SIGN_IN, { code });
  return body;
}

describe('a gateway in sandbox mode', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ database: 'pglite' });
  });
  afterAll(() => t?.close());

  it('says it is a sandbox to anyone, before signing in', async () => {
    const { body } = await t.gql(INFO);
    expect(body).toEqual({ data: { gatewayInfo: { sandbox: true } } });
  });

  it('signs any DevTools login code in as the one labelled test user, and names its device routes', async () => {
    const openids = [];
    for (const code of DEVTOOLS_CODES) {
      const signed = await signInWith(t, code);
      expect(signed.errors).toBeUndefined();
      const { body } = await t.gql(DEVICE, undefined, signed.data!.signIn.token);
      expect(body.errors).toBeUndefined();
      openids.push(body.data!.sandboxDevice.openid);
      expect(body.data!.sandboxDevice.url).toBe(t.sandbox.url);
      expect(body.data!.sandboxDevice.identities).toEqual(
        SANDBOX_TEST_IDENTITIES.map(({ scenario, name, idCardNumber, note }) => ({
          scenario,
          name,
          idCardNumber,
          note,
        })),
      );
    }
    expect(openids).toEqual([SANDBOX_DEVTOOLS_OPENID, SANDBOX_DEVTOOLS_OPENID]);
    expect(SANDBOX_DEVTOOLS_OPENID).toMatch(/^sandbox-devtools-/);
  });

  it('still signs a code the sandbox issued in as its own user, and refuses a used one', async () => {
    const code = t.sandbox.device.login('o_sandbox_phone');
    const first = await signInWith(t, code);
    const { body } = await t.gql(DEVICE, undefined, first.data!.signIn.token);
    expect(body.data!.sandboxDevice.openid).toBe('o_sandbox_phone');
    const again = await signInWith(t, code);
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('tells the device routes only to a signed-in user', async () => {
    const { body } = await t.gql(DEVICE);
    expect(body.data?.sandboxDevice ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe.each([
  ['production (NODE_ENV=production)', { NODE_ENV: 'production' }],
  ['development with WeChat credentials', null],
] as const)('a gateway outside sandbox mode: %s', (_name, env) => {
  let t: TestGateway;
  let sandbox: Sandbox;
  beforeAll(async () => {
    // WeChat is played by the sandbox, but the gateway is configured as for a real, approved mini program
    sandbox = await startSandbox({ port: 0 });
    t = await startTestGateway({
      database: 'pglite',
      sandbox,
      env: env ?? {
        WECHAT_APP_ID: sandbox.appId,
        WECHAT_APP_SECRET: sandbox.appSecret,
        WECHAT_API_BASE_URL: sandbox.url,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sandbox?.close();
  });

  it('refuses a DevTools login code: the code is invalid, nobody is signed in', async () => {
    for (const code of DEVTOOLS_CODES) {
      const body = await signInWith(t, code);
      expect(body.data?.signIn ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    }
  });

  it('never says it is a sandbox, and has no device routes, even for a signed-in user', async () => {
    expect((await t.gql(INFO)).body).toEqual({ data: { gatewayInfo: { sandbox: false } } });
    const token = await t.signIn('o_real_user');
    const { body } = await t.gql(DEVICE, undefined, token);
    expect(body).toEqual({ data: { sandboxDevice: null } });
    expect(JSON.stringify(body)).not.toContain(sandbox.url);
  });
});
