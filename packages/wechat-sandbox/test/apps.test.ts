import { describe, expect, it } from 'vitest';
import { SandboxInputError, startSandbox } from '../src/index';
import vectors from './fixtures/identity.json';
import { type Harness, readJson, startHarness } from './support/harness';

// One sandbox serving two mini programs, driven over real HTTP as another process would.
const A = { appId: 'wx_app_a', appSecret: 'secret-a' };
const B = { appId: 'wx_app_b', appSecret: 'secret-b' };
const zhang = vectors.valid[0]!;
const wang = vectors.valid[2]!;

const twoApps = () => startHarness({ appId: A.appId, appSecret: A.appSecret, extraApps: [B] });

async function control(h: Harness, method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${h.sandbox.url}${path}`, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await readJson(response) };
}

async function plainToken(h: Harness, app: typeof A): Promise<string> {
  const answer = await h.get('/cgi-bin/token', {
    grant_type: 'client_credential',
    appid: app.appId,
    secret: app.appSecret,
  });
  expect(answer.access_token).toEqual(expect.any(String));
  return answer.access_token as string;
}

/** errcode of a face call made with this token (0: the token works). */
const use = async (h: Harness, token: string) =>
  (await h.face('getuseridkey', token, { name: zhang.name, id_card_number: zhang.idCardNumber })).errcode;

const exchange = (h: Harness, code: string, app: { appId: string; appSecret: string }) =>
  h.get('/sns/jscode2session', {
    appid: app.appId,
    secret: app.appSecret,
    js_code: code,
    grant_type: 'authorization_code',
  });

describe('revoking one app’s tokens', () => {
  it('POST /sandbox/revoke-token {appId}: that app’s tokens get 40001, the other app’s keep working; the app then fetches a new one', async () => {
    const h = await twoApps();
    const aStable = await h.stableToken(A.appId, A.appSecret);
    const aPlain = await plainToken(h, A);
    const bStable = await h.stableToken(B.appId, B.appSecret);
    const bPlain = await plainToken(h, B);

    const revoked = await control(h, 'POST', '/sandbox/revoke-token', { appId: A.appId });
    expect(revoked).toEqual({ status: 200, body: { sandbox: true, revoked: true, appId: A.appId } });

    expect(await use(h, aStable)).toBe(40001);
    expect(await use(h, aPlain)).toBe(40001);
    expect(await use(h, bStable)).toBe(0);
    expect(await use(h, bPlain)).toBe(0);
    // B's stable token is still the one stable_token hands out; A gets a new one.
    expect(await h.stableToken(B.appId, B.appSecret)).toBe(bStable);
    const aNew = await h.stableToken(A.appId, A.appSecret);
    expect(aNew).not.toBe(aStable);
    expect(await use(h, aNew)).toBe(0);
    expect(await use(h, await plainToken(h, A))).toBe(0);
  });

  it('an unknown or malformed appid is a 400 with an error, and no token is revoked', async () => {
    const h = await twoApps();
    const aToken = await h.stableToken(A.appId, A.appSecret);
    const unknown = await control(h, 'POST', '/sandbox/revoke-token', { appId: 'wx_not_served' });
    expect(unknown).toEqual({ status: 400, body: { sandbox: true, error: 'unknown appid: wx_not_served' } });
    const malformed = await control(h, 'POST', '/sandbox/revoke-token', { appId: 7 });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('appId must be a string');
    expect(await use(h, aToken)).toBe(0);
  });

  it('without an appid (no body or {}) every app’s tokens are revoked, as before', async () => {
    const h = await twoApps();
    const aToken = await h.stableToken(A.appId, A.appSecret);
    const bToken = await h.stableToken(B.appId, B.appSecret);
    const response = await fetch(`${h.sandbox.url}/sandbox/revoke-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(await readJson(response)).toEqual({ sandbox: true, revoked: true });
    expect(await use(h, aToken)).toBe(40001);
    expect(await use(h, bToken)).toBe(40001);
  });

  it('in process: revokeTokens(appId) and setFaults({revokeTokens, appId}); unknown appids throw SandboxInputError', async () => {
    const h = await twoApps();
    const bToken = await h.stableToken(B.appId, B.appSecret);
    h.sandbox.revokeTokens(A.appId);
    expect(await use(h, bToken)).toBe(0);
    h.sandbox.setFaults({ revokeTokens: true, appId: B.appId });
    expect(await use(h, bToken)).toBe(40001);
    expect(() => h.sandbox.revokeTokens('wx_not_served')).toThrow(SandboxInputError);
    expect(() => h.sandbox.setFaults({ revokeTokens: true, appId: 'wx_not_served' })).toThrow(
      /unknown appid: wx_not_served/,
    );
  });

  it('POST /sandbox/faults {revokeTokens: true, appId} revokes one app; a bad appId changes nothing', async () => {
    const h = await twoApps();
    const aToken = await h.stableToken(A.appId, A.appSecret);
    const bToken = await h.stableToken(B.appId, B.appSecret);
    const refused = await control(h, 'POST', '/sandbox/faults', {
      busyRate: 0.5,
      revokeTokens: true,
      appId: 'wx_not_served',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unknown appid: wx_not_served');
    const alone = await control(h, 'POST', '/sandbox/faults', { appId: A.appId });
    expect(alone.status).toBe(400);
    expect(alone.body.error).toBe('appId goes with revokeTokens: true');
    expect(h.sandbox.faults().busyRate).toBe(0);
    expect(await use(h, aToken)).toBe(0);

    expect((await control(h, 'POST', '/sandbox/faults', { revokeTokens: true, appId: A.appId })).status).toBe(
      200,
    );
    expect(await use(h, aToken)).toBe(40001);
    expect(await use(h, bToken)).toBe(0);
  });
});

describe('counters per app', () => {
  it('tokensIssuedByApp and callsByApp attribute calls by appid or by the token’s app; reset zeros them', async () => {
    const h = await twoApps();
    const aToken = await h.stableToken(A.appId, A.appSecret);
    await h.stableToken(A.appId, A.appSecret); // the same stable token: not a new one
    await plainToken(h, B);
    const bToken = await h.stableToken(B.appId, B.appSecret);
    await use(h, aToken);
    await use(h, bToken);
    await use(h, bToken);
    await exchange(h, 'made-up', B);
    await h.get('/cgi-bin/token', { grant_type: 'client_credential', appid: 'wx_not_served', secret: 'x' });
    await use(h, 'never-issued');

    const { body } = await control(h, 'GET', '/sandbox/counters');
    expect(body.tokensIssued).toBe(3);
    expect(body.tokensIssuedByApp).toEqual({ [A.appId]: 1, [B.appId]: 2 });
    expect(body.callsByApp).toEqual({
      [A.appId]: { '/cgi-bin/stable_token': 2, '/cityservice/face/identify/getuseridkey': 1 },
      [B.appId]: {
        '/cgi-bin/token': 1,
        '/cgi-bin/stable_token': 1,
        '/cityservice/face/identify/getuseridkey': 2,
        '/sns/jscode2session': 1,
      },
    });
    // The calls naming no served app are still in the totals.
    expect(body.calls).toMatchObject({ '/cgi-bin/token': 2, '/cityservice/face/identify/getuseridkey': 4 });

    h.sandbox.resetCounters();
    const reset = h.sandbox.counters();
    expect(reset.tokensIssuedByApp).toEqual({ [A.appId]: 0, [B.appId]: 0 });
    expect(reset.callsByApp).toEqual({ [A.appId]: {}, [B.appId]: {} });
  });

  it('faulted calls are counted for their app too', async () => {
    const h = await twoApps();
    h.sandbox.setFaults({ busyRate: 1 });
    const busy = await h.get('/cgi-bin/token', {
      grant_type: 'client_credential',
      appid: B.appId,
      secret: B.appSecret,
    });
    expect(busy.errcode).toBe(-1);
    expect(h.sandbox.counters().callsByApp[B.appId]).toEqual({ '/cgi-bin/token': 1 });
    expect(h.sandbox.counters().tokensIssuedByApp[B.appId]).toBe(0);
  });
});

describe('login codes belong to one app', () => {
  it('a code of app A exchanged with app B’s appid and secret: 40029; with A’s appid and B’s secret: 40125; neither uses it up', async () => {
    const h = await twoApps();
    const { status, body } = await control(h, 'POST', '/sandbox/device/login', {
      openid: 'o_user',
      appId: A.appId,
    });
    expect(status).toBe(200);
    const code = body.code as string;
    expect((await exchange(h, code, B)).errcode).toBe(40029);
    const wrongSecret = await exchange(h, code, { appId: A.appId, appSecret: B.appSecret });
    expect(wrongSecret.errcode).toBe(40125);
    expect(wrongSecret.errmsg).toMatch(/^invalid appsecret rid: /);
    expect(wrongSecret.openid).toBeUndefined();
    expect((await exchange(h, code, A)).openid).toBe('o_user');
  });

  it('the device routes take appId (or appid); an unknown one is a 400', async () => {
    const h = await twoApps();
    const viaAlias = await control(h, 'POST', '/sandbox/device/login', { openid: 'o_user', appid: B.appId });
    expect((await exchange(h, viaAlias.body.code as string, B)).openid).toBe('o_user');
    for (const [path, body] of [
      ['/sandbox/device/login', { openid: 'o_user' }],
      [
        '/sandbox/device/legacy-check',
        { openid: 'o_user', checkAliveType: 1, name: zhang.name, idCardNumber: zhang.idCardNumber },
      ],
      ['/sandbox/device/v2-check', { openid: 'o_user', verifyId: 'whatever' }],
    ] as const) {
      const answer = await control(h, 'POST', path, { ...body, appId: 'wx_not_served' });
      expect(answer, path).toEqual({
        status: 400,
        body: { sandbox: true, error: 'unknown appid: wx_not_served' },
      });
    }
  });
});

describe('verification evidence belongs to one app', () => {
  it('legacy: a verifyResult of app B is 84001 with A’s token and read with B’s', async () => {
    const h = await twoApps();
    const { body: run } = await control(h, 'POST', '/sandbox/device/legacy-check', {
      openid: 'o_zhang',
      checkAliveType: 1,
      name: zhang.name,
      idCardNumber: zhang.idCardNumber,
      appId: B.appId,
    });
    expect(run.errCode).toBe(0);
    const verifyResult = run.verifyResult as string;
    const aToken = await h.stableToken(A.appId, A.appSecret);
    expect((await h.face('getinfo', aToken, { verify_result: verifyResult })).errcode).toBe(84001);
    const bToken = await h.stableToken(B.appId, B.appSecret);
    expect(await h.face('getinfo', bToken, { verify_result: verifyResult })).toMatchObject({
      errcode: 0,
      identify_ret: 0,
      openid: 'o_zhang',
      id_card_number_md5: zhang.idCardNumberMd5,
    });
  });

  it('v2: a verify_id of app B runs only in B (10001 in A) and queryverifyinfo answers only B’s token', async () => {
    const h = await twoApps();
    const bToken = await h.stableToken(B.appId, B.appSecret);
    const issued = await h.face('getverifyid', bToken, {
      out_seq_no: 'fg_apps_01',
      cert_info: { cert_type: 'IDENTITY_CARD', cert_name: wang.name, cert_no: wang.idCardNumber },
      openid: 'o_wang',
    });
    const verifyId = issued.verify_id as string;
    const inA = await control(h, 'POST', '/sandbox/device/v2-check', {
      openid: 'o_wang',
      verifyId,
      appId: A.appId,
    });
    expect(inA.body.errCode).toBe(10001);
    const inB = await control(h, 'POST', '/sandbox/device/v2-check', {
      openid: 'o_wang',
      verifyId,
      appId: B.appId,
    });
    expect(inB.body).toEqual({ sandbox: true, errCode: 0, errMsg: 'requestFacialVerify:ok' });
    const query = {
      verify_id: verifyId,
      out_seq_no: 'fg_apps_01',
      cert_hash: wang.certHash,
      openid: 'o_wang',
    };
    const aToken = await h.stableToken(A.appId, A.appSecret);
    expect((await h.face('queryverifyinfo', aToken, query)).errcode).toBe(84001);
    expect(await h.face('queryverifyinfo', bToken, query)).toEqual({
      errcode: 0,
      errmsg: 'ok',
      verify_ret: 10000,
    });
  });
});

describe('GET /sandbox/info', () => {
  it('lists every app’s appid, the main one first, and no extra app’s secret', async () => {
    const h = await startHarness({
      extraApps: [B, { appId: 'wx_app_c', appSecret: 'secret-c' }],
    });
    const response = await fetch(`${h.sandbox.url}/sandbox/info`);
    const text = await response.text();
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body.apps).toEqual([{ appId: 'wx_sandbox_app' }, { appId: B.appId }, { appId: 'wx_app_c' }]);
    expect(body.appId).toBe('wx_sandbox_app');
    expect(text).not.toContain(B.appSecret);
    expect(text).not.toContain('secret-c');
  });
});

describe('addApp: a mini program served from now on', () => {
  it('a code of the added app is exchanged with its secret only; the same appid again takes the new secret', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      sandbox.addApp({ appId: 'wx_added_app', appSecret: 'first-secret' });
      const exchange = async (secret: string) => {
        const code = sandbox.device.login('o_added_user', 'wx_added_app');
        const url = `${sandbox.url}/sns/jscode2session?appid=wx_added_app&secret=${secret}&js_code=${code}&grant_type=authorization_code`;
        return (await (await fetch(url)).json()) as { openid?: string; errcode?: number };
      };
      expect((await exchange('first-secret')).openid).toBe('o_added_user');
      sandbox.addApp({ appId: 'wx_added_app', appSecret: 'second-secret' });
      expect((await exchange('first-secret')).errcode).toBe(40125);
      expect((await exchange('second-secret')).openid).toBe('o_added_user');
      expect(sandbox.apps.map((a) => a.appId)).toContain('wx_added_app');
      expect(sandbox.counters().tokensIssuedByApp.wx_added_app).toBe(0);
    } finally {
      await sandbox.close();
    }
  });
});
