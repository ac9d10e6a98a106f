import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptConsent,
  confirm,
  fullFlow,
  GETINFO,
  PEOPLE,
  QUERYVERIFYINFO,
  runDevice,
  start,
} from './support/flows';
import type { Json } from './support/test-gateway';
import {
  CANCEL,
  DATABASE_KINDS,
  errorCode,
  GET,
  startTestGateway,
  type TestGateway,
} from './support/test-gateway';

let seq = 0;
const newOpenid = (label: string) => `o_${label}_${++seq}_${Math.random().toString(36).slice(2, 8)}`;

/** What each sandbox scenario must give: the failure code and WeChat's raw code, per protocol. */
const SCENARIOS = [
  ['face_mismatch', '人脸不符', { LEGACY: ['FACE_MISMATCH', 10004], V2: ['FACE_MISMATCH', 10004] }],
  ['id_mismatch', '证号不符', { LEGACY: ['ID_NUMBER_MISMATCH', 10003], V2: ['ID_NUMBER_MISMATCH', 10003] }],
  ['no_id_photo', '无证件照', { LEGACY: ['NO_ID_PHOTO', 10009], V2: ['NO_ID_PHOTO', 10009] }],
  ['user_cancel', '用户取消', { LEGACY: ['USER_CANCELED', 90100], V2: ['USER_CANCELED', 90004] }],
  ['capture_timeout', '采集超时', { LEGACY: ['CAPTURE_TIMED_OUT', 90107], V2: ['TIMED_OUT', 90017] }],
  ['camera_denied', '相机拒绝', { LEGACY: ['PERMISSION_DENIED', 90101], V2: ['PERMISSION_DENIED', 90008] }],
  [
    'device_unsupported',
    '设备不支持',
    { LEGACY: ['DEVICE_UNSUPPORTED', 90109], V2: ['DEVICE_UNSUPPORTED', 90001] },
  ],
  [
    'liveness_unavailable',
    '活体不可用',
    { LEGACY: ['LIVENESS_UNAVAILABLE', 10069], V2: ['LIVENESS_UNAVAILABLE', 10069] },
  ],
] as const;

describe.each(DATABASE_KINDS)('verification flows over HTTP (%s)', (database) => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway({ database });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(['LEGACY', 'V2'] as const)(
    '%s: signIn -> start -> device -> confirm ends VERIFIED',
    async (protocol) => {
      const openid = newOpenid('happy');
      const { started, session, response } = await fullFlow(t, openid, protocol, PEOPLE.wang);
      expect(response.status).toBe(200);
      expect(started).toMatchObject({
        status: 'PENDING',
        protocol,
        maskedName: '王**',
        maskedIdCardNumber: '3201**********0035',
        attempts: 0,
        openid: null,
      });
      expect(started.clientParams.__typename).toBe(
        protocol === 'LEGACY' ? 'LegacyClientParams' : 'V2ClientParams',
      );
      if (protocol === 'LEGACY') expect(started.livenessType).toBe('SCREEN_FLASH_OR_READ_DIGITS');
      expect(session).toMatchObject({ status: 'VERIFIED', attempts: 1, lastError: null, clientParams: null });
      expect(session?.verifiedAt).toEqual(expect.any(String));

      const reader = await t.createApiKey(['verifications:read']);
      const status = await t.gql(
        'query($openid: String!) { identityStatus(openid: $openid) { openid verified verifiedAt verificationId } }',
        { openid },
        reader,
      );
      expect(status.body.data?.identityStatus).toMatchObject({
        openid,
        verified: true,
        verificationId: started.id,
      });
      const seen = await t.gql(GET, { id: started.id }, reader);
      expect(seen.body.data?.verification).toMatchObject({ status: 'VERIFIED', openid, clientParams: null });
    },
  );

  describe.each(['LEGACY', 'V2'] as const)('%s sandbox scenarios', (protocol) => {
    it.each(SCENARIOS)('%s gives the right status and lastError', async (scenario, name, expected) => {
      const [code, upstreamCode] = expected[protocol];
      const openid = newOpenid(scenario);
      const { session, response } = await fullFlow(t, openid, protocol, {
        name,
        idCardNumber: PEOPLE.li.idCardNumber,
      });
      expect(response.body.errors).toBeUndefined();
      expect(session?.lastError).toMatchObject({ code, upstreamCode });
      expect(session?.lastError.message).toEqual(expect.any(String));
      expect(session?.attempts).toBe(1);
      // a failure that would fail again ends the session; a retryable one leaves attempts
      expect(session?.status).toBe(session?.lastError.retryable ? 'PENDING' : 'FAILED');
    });
  });

  it('a replayed verifyResult: same session -> recorded outcome, no upstream call; elsewhere -> CONFLICT', async () => {
    const openid = newOpenid('replay');
    const first = await fullFlow(t, openid, 'LEGACY');
    expect(first.session?.status).toBe('VERIFIED');
    const calls = t.sandbox.counters().calls[GETINFO] ?? 0;

    const again = await confirm(t, first.token, first.input);
    expect(again.session).toMatchObject({ id: first.started.id, status: 'VERIFIED', attempts: 1 });
    expect(t.sandbox.counters().calls[GETINFO] ?? 0).toBe(calls);

    const other = await start(t, first.token, { protocol: 'LEGACY' });
    const replayed = await confirm(t, first.token, { ...first.input, id: other.session!.id });
    expect(errorCode(replayed.response)).toBe('CONFLICT');

    const otherOpenid = newOpenid('thief');
    const thief = await t.signIn(otherOpenid);
    const theirs = await start(t, thief, { protocol: 'LEGACY' });
    const stolen = await confirm(t, thief, { ...first.input, id: theirs.session!.id });
    expect(errorCode(stolen.response)).toBe('CONFLICT');
    expect(t.sandbox.counters().calls[GETINFO] ?? 0).toBe(calls);
  });

  it('the same verifyResult confirmed twice gives the same answer with one upstream call', async () => {
    const openid = newOpenid('twice');
    const token = await t.signIn(openid);
    const { session } = await start(t, token, { protocol: 'LEGACY', ...PEOPLE.li });
    const input = runDevice(t, openid, session!);
    const before = t.sandbox.counters().calls[GETINFO] ?? 0;
    const a = await confirm(t, token, input);
    const b = await confirm(t, token, input);
    expect(a.session).toEqual(b.session);
    expect((t.sandbox.counters().calls[GETINFO] ?? 0) - before).toBe(1);
  });

  it('v2: a resend naming the verifyId it ran, after the session moved on, counts no second attempt', async () => {
    const openid = newOpenid('resend');
    const token = await t.signIn(openid);
    const { session } = await start(t, token, { protocol: 'V2' });
    const verifyId = session!.clientParams.verifyId;
    const input = { ...runDevice(t, openid, session!, 'face_mismatch'), verifyId };
    const first = await confirm(t, token, input);
    expect(first.session).toMatchObject({ status: 'PENDING', attempts: 1 });
    expect(first.session!.clientParams.verifyId).not.toBe(verifyId);
    const again = await confirm(t, token, input);
    expect(again.session).toEqual(first.session);
    const legacy = await start(t, token, { protocol: 'LEGACY' });
    const wrong = await confirm(t, token, { ...runDevice(t, openid, legacy.session!), verifyId });
    expect(errorCode(wrong.response)).toBe('BAD_USER_INPUT');
  });

  it('20 concurrent confirmations of one session give one upstream call and one outcome', async () => {
    const openid = newOpenid('burst');
    const token = await t.signIn(openid);
    const { session } = await start(t, token, { protocol: 'V2' });
    const input = runDevice(t, openid, session!);
    const before = t.sandbox.counters().calls[QUERYVERIFYINFO] ?? 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => confirm(t, token, input)));
    for (const r of results) {
      expect(r.response.status).not.toBe(500);
      if (r.session) expect(r.session.status).toBe('VERIFIED');
      else expect(['CONFLICT']).toContain(errorCode(r.response));
    }
    expect(results.filter((r) => r.session).length).toBeGreaterThan(0);
    expect((t.sandbox.counters().calls[QUERYVERIFYINFO] ?? 0) - before).toBe(1);
    const final = await t.gql(GET, { id: session!.id }, token);
    expect(final.body.data?.verification).toMatchObject({ status: 'VERIFIED', attempts: 1 });
  });

  it("a user cannot read, confirm or cancel another user's session (NOT_FOUND, as if missing)", async () => {
    const owner = await t.signIn(newOpenid('owner'));
    const intruder = await t.signIn(newOpenid('intruder'));
    const { session } = await start(t, owner, { protocol: 'V2' });
    const id = session!.id;
    const read = await t.gql(GET, { id }, intruder);
    const missing = await t.gql(GET, { id: 'vs_does_not_exist' }, intruder);
    expect(errorCode(read)).toBe('NOT_FOUND');
    expect(read.body.errors?.[0]?.message).toBe(missing.body.errors?.[0]?.message);
    expect(errorCode((await confirm(t, intruder, { id })).response)).toBe('NOT_FOUND');
    expect(errorCode(await t.gql(CANCEL, { id }, intruder))).toBe('NOT_FOUND');
    const own = await t.gql(GET, { id }, owner);
    expect(own.body.data?.verification).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(own.body.data?.verification.clientParams.verifyId).toEqual(expect.any(String));
  });

  it('the owner can cancel; clientParams disappear once it is not PENDING', async () => {
    const token = await t.signIn(newOpenid('cancel'));
    const { session } = await start(t, token, { protocol: 'LEGACY' });
    const canceled = await t.gql(CANCEL, { id: session!.id }, token);
    expect(canceled.body.data?.cancelVerification).toMatchObject({ status: 'CANCELED', clientParams: null });
    expect(errorCode(await t.gql(CANCEL, { id: session!.id }, token))).toBe('CONFLICT');
  });

  it('expires a PENDING session after its lifetime (read and sweep)', async () => {
    const token = await t.signIn(newOpenid('expiry'));
    const a = await start(t, token, { protocol: 'LEGACY' });
    const b = await start(t, token, { protocol: 'V2' });
    t.clock.advance(61 * 60_000);
    try {
      const read = await t.gql(GET, { id: a.session!.id }, token);
      expect(read.body.data?.verification).toMatchObject({ status: 'EXPIRED', clientParams: null });
      const { TOKENS } = await import('../src/composition/tokens');
      const expired = await t.container.resolve(TOKENS.ExpireVerifications).execute({ limit: 1000 });
      expect(expired).toBeGreaterThanOrEqual(1);
      const swept = await t.gql(GET, { id: b.session!.id }, token);
      expect(swept.body.data?.verification.status).toBe('EXPIRED');
      const late = await confirm(t, token, { id: b.session!.id });
      expect(errorCode(late.response)).toBe('CONFLICT');
    } finally {
      t.clock.advance(-61 * 60_000);
    }
  });

  it('running out of attempts ends the session FAILED', async () => {
    const openid = newOpenid('attempts');
    const token = await t.signIn(openid);
    const { session } = await start(t, token, {
      protocol: 'LEGACY',
      name: '用户取消',
      idCardNumber: PEOPLE.li.idCardNumber,
    });
    let last: Json | undefined;
    for (let i = 1; i <= session!.maxAttempts; i++) {
      const current = (await t.gql(GET, { id: session!.id }, token)).body.data?.verification;
      expect(current.status).toBe('PENDING');
      last = (await confirm(t, token, runDevice(t, openid, current))).session;
      expect(last?.attempts).toBe(i);
    }
    expect(last).toMatchObject({ status: 'FAILED', lastError: { code: 'USER_CANCELED' } });
    expect(errorCode((await confirm(t, token, { id: session!.id, clientErrCode: 90100 })).response)).toBe(
      'CONFLICT',
    );
  });

  it('services: read scope reads any session with its openid; write scope starts for a named openid', async () => {
    const openid = newOpenid('svc');
    const writer = await t.createApiKey(['verifications:write']);
    const reader = await t.createApiKey(['verifications:read']);
    const started = await start(t, writer, { protocol: 'V2', openid, clientReferenceId: 'order-42' });
    expect(started.session).toMatchObject({
      status: 'PENDING',
      clientReferenceId: 'order-42',
      openid,
      clientParams: null,
    });
    expect(errorCode((await start(t, writer, { protocol: 'V2' })).response)).toBe('BAD_USER_INPUT');
    expect(errorCode((await start(t, reader, { protocol: 'V2', openid })).response)).toBe('FORBIDDEN');

    // the named user signs in; no verifyId until they accept the consent text on the device
    const user = await t.signIn(openid);
    const unconsented = (await t.gql(GET, { id: started.session!.id }, user)).body.data?.verification;
    expect(unconsented).toMatchObject({ openid: null, clientParams: null });
    await acceptConsent(t, user, started.session!.id);
    // then they see the verifyId (never the openid), run the check and confirm
    const mine = (await t.gql(GET, { id: started.session!.id }, user)).body.data?.verification;
    expect(mine).toMatchObject({ openid: null, clientParams: { __typename: 'V2ClientParams' } });
    const done = await confirm(t, user, runDevice(t, openid, mine));
    expect(done.session?.status).toBe('VERIFIED');

    const list = await t.gql(
      `query($openid: String) { verifications(filter: { openid: $openid }, first: 10) {
         edges { cursor node { id status openid } } pageInfo { hasNextPage endCursor } } }`,
      { openid },
      reader,
    );
    expect(list.body.data?.verifications.edges).toEqual([
      expect.objectContaining({ node: { id: started.session!.id, status: 'VERIFIED', openid } }),
    ]);
    expect(list.body.data?.verifications.pageInfo.hasNextPage).toBe(false);
    expect(errorCode(await t.gql('{ verifications { edges { cursor } } }', {}, user))).toBe('FORBIDDEN');
    expect(errorCode(await t.gql('{ verifications { edges { cursor } } }', {}, writer))).toBe('FORBIDDEN');
  });

  it('request problems are typed errors, never HTTP 500', async () => {
    const token = await t.signIn(newOpenid('input'));
    const badId = await start(t, token, { protocol: 'LEGACY', idCardNumber: '110105194912310021' });
    expect(badId.response.status).toBe(200);
    expect(badId.response.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'idCardNumber',
      rule: 'ID_CHECK_DIGIT',
    });
    expect(JSON.stringify(badId.response.body)).not.toContain('110105194912310021');
    expect(
      errorCode((await start(t, token, { protocol: 'LEGACY', openid: 'o_someone_else' })).response),
    ).toBe('FORBIDDEN');
    expect(errorCode((await start(t, token, { protocol: 'V2', livenessType: 'READ_DIGITS' })).response)).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await t.gql(GET, { id: 'x' }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await t.gql(GET, { id: 'x' }, 'not.a.token'))).toBe('UNAUTHENTICATED');
    const v2 = await start(t, token, { protocol: 'V2' });
    const withResult = await confirm(t, token, { id: v2.session!.id, verifyResult: 'abc' });
    expect(withResult.response.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'verifyResult',
    });
    const usedCode = t.sandbox.device.login(newOpenid('code'));
    await t.gql('mutation($c: String!) { signIn(code: $c) { token } }', { c: usedCode });
    const reused = await t.gql('mutation($c: String!) { signIn(code: $c) { token } }', { c: usedCode });
    expect(reused.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });

    const malformed = await t.gateway.fetch('http://gateway/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(malformed.status).toBeLessThan(500);
    const wrongType = await t.gql(GET, { id: { nested: true } }, token);
    expect(wrongType.status).toBeLessThan(500);
    expect(wrongType.body.errors?.[0]?.message).toEqual(expect.any(String));
  });

  it('a client errCode can fail an attempt but never pass one', async () => {
    const openid = newOpenid('client');
    const token = await t.signIn(openid);
    const { session } = await start(t, token, {
      protocol: 'V2',
      name: '人脸不符',
      idCardNumber: PEOPLE.li.idCardNumber,
    });
    const input = runDevice(t, openid, session!);
    // the phone claims success; WeChat's answer decides
    const confirmed = await confirm(t, token, { ...input, clientErrCode: 0 });
    expect(confirmed.session?.status).not.toBe('VERIFIED');
    expect(confirmed.session?.lastError.code).toBe('FACE_MISMATCH');
  });
});
