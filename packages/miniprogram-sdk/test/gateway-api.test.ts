import { beforeEach, describe, expect, it } from 'vitest';
import { authTokenStore } from '../src/lib/auth-token.store';
import { GatewayApi } from '../src/lib/gateway-api';
import { GraphQLClient } from '../src/lib/graphql-client';
import { WxLoginError } from '../src/lib/wx-async';
import { type Answer, fakeTransport, gqlError, ok } from './support/fake-transport';

const URL = 'https://gateway.test/graphql';
const NOW = Date.parse('2025-06-01T00:00:00Z');
const signedIn = (token: string, expiresAt = '2025-06-01T02:00:00Z') => ok({ signIn: { token, expiresAt } });

function apiWith(answers: Answer[], now = () => NOW, app: string | null = null) {
  const wx = fakeTransport(answers);
  const api = new GatewayApi({
    client: new GraphQLClient({ wx, url: () => URL }),
    wx,
    gatewayUrl: () => URL,
    app: () => app,
    now,
  });
  return { wx, api };
}

describe('GatewayApi', () => {
  beforeEach(() => authTokenStore.clear());

  it('signs in with a wx.login code once and reuses the token', async () => {
    const { wx, api } = apiWith([signedIn('t1'), ok({ verification: null }), ok({ verification: null })]);
    await api.verification('a');
    await api.verification('b');
    expect(wx.loginCount).toBe(1);
    expect(wx.requests.map((r) => r.body.operationName)).toEqual([
      'SignIn',
      'GetVerification',
      'GetVerification',
    ]);
    expect(wx.requests[0]?.body.variables).toEqual({ code: 'code-1' });
    expect(wx.requests[2]?.options.header?.authorization).toBe('Bearer t1');
  });

  it('signs in again when the token is about to expire', async () => {
    let now = NOW;
    const { wx, api } = apiWith(
      [
        signedIn('t1', '2025-06-01T00:10:00Z'),
        ok({ verification: null }),
        signedIn('t2'),
        ok({ verification: null }),
      ],
      () => now,
    );
    await api.verification('a');
    now += 9.5 * 60_000;
    await api.verification('a');
    expect(wx.loginCount).toBe(2);
    expect(wx.requests[3]?.options.header?.authorization).toBe('Bearer t2');
  });

  it('re-signs in once when the gateway answers UNAUTHENTICATED, then retries the call', async () => {
    const { wx, api } = apiWith([
      signedIn('old'),
      gqlError('UNAUTHENTICATED'),
      signedIn('new'),
      ok({ verification: null }),
    ]);
    await expect(api.verification('a')).resolves.toBeNull();
    expect(wx.requests.map((r) => r.body.operationName)).toEqual([
      'SignIn',
      'GetVerification',
      'SignIn',
      'GetVerification',
    ]);
    expect(wx.requests[3]?.options.header?.authorization).toBe('Bearer new');
  });

  it('does not loop when the fresh token is refused too', async () => {
    const { api } = apiWith([
      signedIn('a'),
      gqlError('UNAUTHENTICATED'),
      signedIn('b'),
      gqlError('UNAUTHENTICATED'),
    ]);
    await expect(api.verification('x')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('reports a failed wx.login as WxLoginError', async () => {
    const wx = {
      request() {
        throw new Error('no request expected');
      },
      login(o: { fail?: (e: { errMsg: string }) => void }) {
        o.fail?.({ errMsg: 'login:fail network' });
      },
    };
    const api = new GatewayApi({
      client: new GraphQLClient({ wx, url: () => URL }),
      wx,
      gatewayUrl: () => URL,
      app: () => null,
      now: () => NOW,
    });
    await expect(api.ensureSignedIn()).rejects.toBeInstanceOf(WxLoginError);
  });

  it('signs in to the app it was given, and sends no app without one', async () => {
    const named = apiWith([signedIn('t1')], () => NOW, 'wx0123456789abcdef');
    await named.api.signIn();
    expect(named.wx.requests[0]?.body.variables).toEqual({ code: 'code-1', app: 'wx0123456789abcdef' });
    const unnamed = apiWith([signedIn('t2')]);
    await unnamed.api.signIn();
    expect(unnamed.wx.requests[0]?.body.variables).not.toHaveProperty('app');
  });

  it('asks for the consent text of the app it signs in to, without signing in; without an app it names none', async () => {
    const text = { version: 'card-1', kind: 'STANDARD' };
    const card = apiWith([ok({ consentText: text })], () => NOW, 'wx0123456789abcdef');
    expect(await card.api.consentText('GUARDIAN')).toEqual(text);
    expect(card.wx.requests[0]?.body.variables).toEqual({ kind: 'GUARDIAN', app: 'wx0123456789abcdef' });
    expect(card.wx.requests[0]?.options.header).not.toHaveProperty('authorization');
    expect(card.wx.loginCount).toBe(0);
    const plain = apiWith([ok({ consentText: null })]);
    expect(await plain.api.consentText()).toBeNull();
    expect(plain.wx.requests[0]?.body.variables).toEqual({ kind: 'STANDARD' });
  });

  it("never hands one app's token to another app on the same gateway", async () => {
    const retail = apiWith(
      [signedIn('retail-token'), ok({ verification: null }), signedIn('retail-again')],
      () => NOW,
      'retail',
    );
    await retail.api.verification('a');
    const card = apiWith([signedIn('card-token'), ok({ verification: null })], () => NOW, 'card');
    await card.api.verification('a');
    expect(card.wx.loginCount).toBe(1);
    expect(card.wx.requests[0]?.body.variables).toMatchObject({ app: 'card' });
    expect(card.wx.requests[1]?.options.header?.authorization).toBe('Bearer card-token');
    // nor the default app's to a named one
    const plain = apiWith([signedIn('default-token')]);
    await plain.api.ensureSignedIn();
    expect(await retail.api.ensureSignedIn()).toBe('retail-again');
    expect(retail.wx.loginCount).toBe(2);
  });
});
