import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserTokenService } from '../src/auth/user-token';
import { KeyRing } from '../src/crypto/key-ring';
import { confirm, PEOPLE, runDevice, start } from './support/flows';
import {
  CONFIRM,
  errorCode,
  type Json,
  START,
  startTestGateway,
  type TestGateway,
} from './support/test-gateway';

/**
 * What a hostile user tried on loopback, each now refused cleanly. Production settings throughout (the
 * defaults a real deployment gets), with WeChat played by the sandbox.
 */
describe('attacks on a production gateway', () => {
  let t: TestGateway;
  beforeAll(async () => {
    // one attacker address for every test: its own limit (60 starts a minute) is not what is tested here
    t = await startTestGateway({
      database: 'pglite',
      env: { NODE_ENV: 'production', FACEGATE_RATE_LIMIT_IP_START_PER_MINUTE: '1000' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const victim = PEOPLE.li;

  it("strangers cannot lock an ID number out: invalid starts count for nothing, valid ones only against the stranger's own allowance", async () => {
    const strangers = [await t.signIn('o_stranger_1'), await t.signIn('o_stranger_2')];
    for (const token of strangers) {
      for (let i = 0; i < 15; i++) {
        const refused = await t.gql(
          START,
          { input: { name: 'x1', idCardNumber: victim.idCardNumber, protocol: 'V2' } },
          token,
        );
        expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      }
    }
    // with a valid (but wrong) name they reach WeChat, up to their own per-number limit (15 a minute)
    for (const token of strangers) {
      // each burst starts just after a minute begins, so the fixed one-minute window cannot roll over under it
      const intoMinute = t.clock.now().getTime() % 60_000;
      t.clock.advance(60_000 - intoMinute + 1_000);
      const answers = [];
      for (let i = 0; i < 16; i++) {
        answers.push(
          errorCode(
            await t.gql(
              START,
              { input: { name: '王五', idCardNumber: victim.idCardNumber, protocol: 'V2' } },
              token,
            ),
          ) ?? 'ok',
        );
      }
      expect(answers.slice(0, 15)).toEqual(Array(15).fill('ok'));
      expect(answers[15]).toBe('RATE_LIMITED');
    }
    const own = await t.signIn('o_victim');
    const started = await start(t, own, { ...victim, protocol: 'V2' });
    expect(started.session?.status).toBe('PENDING');
  });

  it('confirming a v2 session before the face check uses up no attempt; it still verifies afterwards', async () => {
    const openid = 'o_early_confirmer';
    const token = await t.signIn(openid);
    const { session } = await start(t, token, { protocol: 'V2' });
    for (let i = 0; i < 3; i++) {
      const early = await confirm(t, token, { id: session!.id });
      expect(errorCode(early.response)).toBe('CONFLICT');
      expect(early.response.body.errors?.[0]?.extensions).toMatchObject({
        reason: 'NOT_FINISHED',
        retryable: true,
      });
    }
    const read = await t.gql(
      'query($id: ID!) { verification(id: $id) { status attempts lastError { code } } }',
      { id: session!.id },
      token,
    );
    expect(read.body.data?.verification).toEqual({ status: 'PENDING', attempts: 0, lastError: null });
    const done = await confirm(t, token, runDevice(t, openid, session!));
    expect(done.session).toMatchObject({ status: 'VERIFIED', attempts: 1 });
  });

  it('a garbage legacy verifyResult is BAD_USER_INPUT and uses up no attempt', async () => {
    const token = await t.signIn('o_garbage');
    const { session } = await start(t, token, { protocol: 'LEGACY' });
    for (let i = 0; i < 4; i++) {
      const garbage = await confirm(t, token, { id: session!.id, verifyResult: `garbage-${i}` });
      expect(errorCode(garbage.response)).toBe('BAD_USER_INPUT');
      expect(garbage.response.body.errors?.[0]?.extensions).toMatchObject({ rule: 'EVIDENCE_REJECTED' });
    }
    const read = await t.gql(
      'query($id: ID!) { verification(id: $id) { status attempts } }',
      { id: session!.id },
      token,
    );
    expect(read.body.data?.verification).toEqual({ status: 'PENDING', attempts: 0 });
  });

  it('a FAILED session never says retryable: true', async () => {
    const openid = 'o_three_failures';
    const token = await t.signIn(openid);
    let { session } = await start(t, token, { protocol: 'V2' });
    for (let i = 0; i < 3; i++) {
      const failed = await confirm(t, token, runDevice(t, openid, session!, 'face_mismatch'));
      session = failed.session;
    }
    expect(session).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      lastError: { code: 'FACE_MISMATCH', retryable: false },
    });
  });

  it.each([
    [
      'a timestamp out of range',
      Buffer.from(JSON.stringify(['-100000-01-01T00:00:00.000Z', 'x'])).toString('base64url'),
    ],
    ['year 294277', Buffer.from(JSON.stringify(['+294277-01-01T00:00:00.000Z', 'x'])).toString('base64url')],
    ['a non-ISO date', Buffer.from(JSON.stringify(['Jan 1 2020', 'x'])).toString('base64url')],
    [
      'an id too long',
      Buffer.from(JSON.stringify(['2025-01-01T00:00:00.000Z', 'x'.repeat(200)])).toString('base64url'),
    ],
    ['not JSON', 'bm90IGpzb24'],
    [
      'a NUL in the id',
      Buffer.from(JSON.stringify(['2025-01-01T00:00:00.000Z', 'a\u0000b'])).toString('base64url'),
    ],
    // longer than any input string: refused before the cursor is even decoded
    ['huge', 'A'.repeat(10_000), 'STRING_TOO_LONG'],
  ])(
    'a crafted cursor (%s) is BAD_USER_INPUT, not a 500 or an SQL error in the log',
    async (_what, after, rule = 'CURSOR_INVALID') => {
      const key = await t.createApiKey(['verifications:read']);
      const before = t.logs.length;
      const answer = await t.gql(
        'query($a: String) { verifications(first: 5, after: $a) { edges { cursor } } }',
        { a: after },
        key,
      );
      expect(answer.status).toBe(200);
      expect(errorCode(answer)).toBe('BAD_USER_INPUT');
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({ field: 'after', rule });
      expect(t.logs.slice(before).join('\n')).not.toMatch(/out of range|unexpected error|\n\s+at /);
    },
  );

  it('answers no CORS headers to any origin by default', async () => {
    for (const method of ['OPTIONS', 'POST'] as const) {
      const response = await t.gateway.fetch('http://gateway/graphql', {
        method,
        headers: {
          origin: 'https://evil.example',
          'content-type': 'application/json',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
        body: method === 'POST' ? JSON.stringify({ query: '{ __typename }' }) : undefined,
      });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('hides enum suggestions as well as field suggestions', async () => {
    const key = await t.createApiKey(['verifications:read']);
    const typo = await t.gql(
      '{ verifications(filter: { status: VERIFIE }) { edges { cursor } } }',
      undefined,
      key,
    );
    expect(typo.body.errors?.[0]?.message).toBeDefined();
    expect(JSON.stringify(typo.body)).not.toMatch(/Did you mean|VERIFIED/);
    const variable = await t.gql(
      'query($s: VerificationStatus) { verifications(filter: { status: $s }) { edges { cursor } } }',
      { s: 'VERIFIE' },
      key,
    );
    expect(JSON.stringify(variable.body)).not.toMatch(/Did you mean|VERIFIED/);
  });

  it('a write-only key confirming gets the status and the error, not the openid or identity', async () => {
    const writer = await t.createApiKey(['verifications:write']);
    const started = await t.gql(
      START,
      { input: { ...PEOPLE.wang, protocol: 'V2', openid: 'o_written_for', clientReferenceId: 'order-77' } },
      writer,
    );
    const session = started.body.data?.startVerification as Json;
    // what it gave itself it sees in the answer to its own start; nothing afterwards
    expect(session).toMatchObject({
      status: 'PENDING',
      openid: 'o_written_for',
      clientReferenceId: 'order-77',
    });
    const confirmed = await t.gql(CONFIRM, { input: { id: session.id, clientErrCode: 90004 } }, writer);
    expect(confirmed.body.data?.confirmVerification).toMatchObject({
      id: session.id,
      status: 'PENDING',
      attempts: 1,
      lastError: { code: 'USER_CANCELED', retryable: true },
      openid: null,
      maskedName: '*',
      maskedIdCardNumber: '*',
      clientReferenceId: null,
    });
    // a key that may read still sees them
    const reader = await t.createApiKey(['verifications:read']);
    const read = await t.gql(
      'query($id: ID!) { verification(id: $id) { openid maskedName clientReferenceId } }',
      { id: session.id },
      reader,
    );
    expect(read.body.data?.verification).toEqual({
      openid: 'o_written_for',
      maskedName: '王**',
      clientReferenceId: 'order-77',
    });
  });
});

describe('CORS with FACEGATE_CORS_ORIGINS', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({
      database: 'pglite',
      env: { NODE_ENV: 'production', FACEGATE_CORS_ORIGINS: 'https://console.example.com' },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('allows exactly the listed origin, without credentials, and nobody else', async () => {
    const preflight = (origin: string) =>
      t.gateway.fetch('http://gateway/graphql', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await preflight('https://console.example.com.evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('user-token signatures (attack: flipping the unused bits of the last base64url character)', () => {
  it('accepts only the canonical spelling of a signature', () => {
    const tokens = new UserTokenService(
      new KeyRing('a-master-secret-that-is-long-enough-000').key('user-token-signing'),
    );
    const now = new Date('2025-03-01T08:00:00Z');
    const { token } = tokens.issue('o_user_1', now);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = token.at(-1)!;
    // 32 bytes in 43 characters: the last one carries 4 bits and 2 unused ones
    const variant = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`;
    expect(Buffer.from(variant.split('.')[2]!, 'base64url')).toEqual(
      Buffer.from(token.split('.')[2]!, 'base64url'),
    );
    expect(tokens.verify(variant, now)).toBeNull();
    expect(tokens.verify(token, now)?.openid).toBe('o_user_1');
  });
});
