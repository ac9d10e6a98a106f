import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SANDBOX_HEADER, SANDBOX_TEST_IDENTITIES } from '../src/index';
import vectors from './fixtures/identity.json';
import { type Harness, readJson, startHarness } from './support/harness';

const zhangSan = vectors.valid[0]!;

async function control(h: Harness, method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await fetch(`${h.sandbox.url}${path}`, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await readJson(response) };
}

describe('the device side over HTTP', () => {
  it('POST /sandbox/device/login mints a code jscode2session accepts', async () => {
    const h = await startHarness();
    const { status, body } = await control(h, 'POST', '/sandbox/device/login', { openid: 'o_http_user' });
    expect(status).toBe(200);
    const session = await h.get('/sns/jscode2session', {
      appid: h.sandbox.appId,
      secret: h.sandbox.appSecret,
      js_code: body.code as string,
      grant_type: 'authorization_code',
    });
    expect(session.openid).toBe('o_http_user');
  });

  it('POST /sandbox/device/legacy-check answers as wx.startFacialRecognitionVerify would', async () => {
    const h = await startHarness();
    const { body } = await control(h, 'POST', '/sandbox/device/legacy-check', {
      openid: 'o_http_user',
      checkAliveType: 2,
      name: zhangSan.name,
      idCardNumber: zhangSan.idCardNumber,
      scenario: 'face_mismatch',
    });
    expect(body).toEqual({
      sandbox: true,
      errCode: 10004,
      errMsg: expect.stringMatching(/^startFacialRecognitionVerify:fail /),
      verifyResult: expect.any(String),
    });
    const info = await h.face('getinfo', await h.stableToken(), { verify_result: body.verifyResult });
    expect(info).toMatchObject({ errcode: 0, identify_ret: 10004, openid: 'o_http_user' });
  });

  it('POST /sandbox/device/v2-check answers as wx.requestFacialVerify would', async () => {
    const h = await startHarness();
    const token = await h.stableToken();
    const { verify_id } = await h.face('getverifyid', token, {
      out_seq_no: 'http_00001',
      cert_info: { cert_type: 'IDENTITY_CARD', cert_name: zhangSan.name, cert_no: zhangSan.idCardNumber },
      openid: 'o_http_user',
    });
    const { body } = await control(h, 'POST', '/sandbox/device/v2-check', {
      openid: 'o_http_user',
      verifyId: verify_id,
    });
    expect(body).toEqual({ sandbox: true, errCode: 0, errMsg: 'requestFacialVerify:ok' });
    const answer = await h.face('queryverifyinfo', token, {
      verify_id,
      out_seq_no: 'http_00001',
      cert_hash: zhangSan.certHash,
      openid: 'o_http_user',
    });
    expect(answer.verify_ret).toBe(10000);
  });

  it.each([
    ['/sandbox/device/login', {}, /openid/],
    ['/sandbox/device/login', { openid: 'o_user', appId: 'wx_nobody' }, /unknown appid/],
    ['/sandbox/device/legacy-check', { openid: 'o_user', checkAliveType: '2' }, /checkAliveType/],
    ['/sandbox/device/v2-check', { openid: 'o_user', verifyId: 'x', scenario: 'nope' }, /unknown scenario/],
    ['/sandbox/device/v2-check', '{not json', /JSON/],
    ['/sandbox/device/v2-check', '[]', /JSON object/],
  ])('POST %s %j -> 400 with a clear message', async (path, body, message) => {
    const h = await startHarness();
    const answer = await control(h, 'POST', path, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(message);
  });
});

describe('controls over HTTP', () => {
  it('GET /sandbox/identities lists the reserved test identities', async () => {
    const h = await startHarness();
    expect((await control(h, 'GET', '/sandbox/identities')).body).toEqual(SANDBOX_TEST_IDENTITIES);
  });

  it('GET /sandbox/info tells the base URL, the apps and the endpoints', async () => {
    const h = await startHarness();
    const { body } = await control(h, 'GET', '/sandbox/info');
    expect(body).toMatchObject({ url: h.sandbox.url, appId: 'wx_sandbox_app', appSecret: 'sandbox-secret' });
    expect(body.endpoints).toContain('/cityservice/face/identify/queryverifyinfo');
  });

  it('GET /sandbox/counters counts WeChat calls per path (not control calls); POST /sandbox/counters/reset clears', async () => {
    const h = await startHarness();
    await h.stableToken();
    await h.stableToken();
    await h.get('/sns/jscode2session');
    await control(h, 'POST', '/sandbox/device/login', { openid: 'o_user' });
    const { body } = await control(h, 'GET', '/sandbox/counters');
    expect(body.calls).toEqual({ '/cgi-bin/stable_token': 2, '/sns/jscode2session': 1 });
    expect(body.tokensIssued).toBe(1);
    expect(body.stored).toMatchObject({ codes: 1 });
    expect(h.sandbox.counters().calls).toEqual(body.calls);
    const reset = await control(h, 'POST', '/sandbox/counters/reset');
    expect(reset.body).toMatchObject({ calls: {}, tokensIssued: 0 });
    expect(h.sandbox.counters().calls).toEqual({});
  });

  it('404 for an unknown path, 405 for a wrong method', async () => {
    const h = await startHarness();
    expect((await control(h, 'GET', '/sandbox/nothing')).status).toBe(404);
    expect((await control(h, 'GET', '/cgi-bin/nothing')).status).toBe(404);
    const wrong = await control(h, 'GET', '/sandbox/revoke-token');
    expect(wrong.status).toBe(405);
    expect(wrong.body.error).toContain('POST');
  });
});

/** A raw request, so the test chooses the Host header (fetch does not let it). */
function rawPost(url: string, path: string, headers: Record<string, string>, body: string) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; body: string; sandbox: string | undefined }>((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, sandbox: res.headers[SANDBOX_HEADER] as string }),
      );
    });
    req.once('error', reject);
    req.end(body);
  });
}

describe('a web page cannot drive the device side (attack: blind cross-site POSTs, DNS rebinding)', () => {
  it.each([
    ['text/plain', 'a form-less fetch'],
    ['application/x-www-form-urlencoded', 'an HTML form'],
    ['multipart/form-data; boundary=x', 'a multipart form'],
  ])('refuses Content-Type %s (%s) with 415 and mints nothing', async (type) => {
    const h = await startHarness();
    const answer = await rawPost(
      h.sandbox.url,
      '/sandbox/device/login',
      { 'content-type': type, host: new URL(h.sandbox.url).host },
      JSON.stringify({ openid: 'o_victim' }),
    );
    expect(answer.status).toBe(415);
    expect(answer.body).not.toMatch(/"code"/);
    expect(h.sandbox.counters().stored).toMatchObject({ codes: 0 });
  });

  it('refuses a Host that is not loopback with 403, even with JSON', async () => {
    const h = await startHarness();
    const answer = await rawPost(
      h.sandbox.url,
      '/sandbox/device/login',
      { 'content-type': 'application/json', host: `evil.example:${new URL(h.sandbox.url).port}` },
      JSON.stringify({ openid: 'o_victim' }),
    );
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({
      sandbox: true,
      error: expect.stringMatching(/loopback/),
    });
  });

  it('accepts localhost and 127.0.0.1 Hosts with JSON, and says it is a sandbox in header and body', async () => {
    const h = await startHarness();
    for (const host of ['localhost', `127.0.0.1:${new URL(h.sandbox.url).port}`]) {
      const answer = await rawPost(
        h.sandbox.url,
        '/sandbox/device/login',
        { 'content-type': 'application/json; charset=utf-8', host },
        JSON.stringify({ openid: 'o_http_user' }),
      );
      expect(answer.status).toBe(200);
      expect(answer.sandbox).toBe('true');
      expect(JSON.parse(answer.body)).toEqual({ sandbox: true, code: expect.any(String) });
    }
  });

  it('marks the WeChat answers too, with the header', async () => {
    const h = await startHarness();
    const response = await fetch(`${h.sandbox.url}/sandbox/identities`);
    expect(response.headers.get(SANDBOX_HEADER)).toBe('true');
    const wechat = await fetch(`${h.sandbox.url}/cgi-bin/stable_token`, { method: 'POST', body: '{}' });
    expect(wechat.headers.get(SANDBOX_HEADER)).toBe('true');
  });
});

describe('robustness', () => {
  it('a request line it cannot parse gets a 500, and the sandbox keeps serving', async () => {
    const h = await startHarness();
    const port = Number(new URL(h.sandbox.url).port);
    const statusLine = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk;
      });
      socket.on('close', () => resolve(received.split('\r\n')[0]!));
    });
    expect(statusLine).toBe('HTTP/1.1 500 Internal Server Error');
    expect((await control(h, 'GET', '/sandbox/health')).body).toEqual({ sandbox: true, ok: true });
  });
});
