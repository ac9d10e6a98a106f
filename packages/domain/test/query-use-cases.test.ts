import {
  GetIdentityStatus,
  ListVerifications,
  type LoginAnswer,
  MAX_PAGE_SIZE,
  SignIn,
  UpstreamUnavailableError,
} from '@facegate/domain';
import {
  anEventFor,
  aSessionSnapshot,
  InMemoryVerificationSessionRepository,
} from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';

const loginAnswering = (answer: LoginAnswer | Error) => {
  const codes: string[] = [];
  const forApps: string[] = [];
  return {
    codes,
    forApps,
    login: {
      async exchange(code: string, app: string) {
        codes.push(code);
        forApps.push(app);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
  };
};

describe('SignIn', () => {
  it('exchanges a wx.login code for the openid', async () => {
    const port = loginAnswering({ ok: true, openid: 'o_signed_in' });
    const result = await new SignIn(port).execute({ code: '0a1B2c' });
    expect(result).toEqual({ ok: true, value: { openid: 'o_signed_in', app: 'default' } });
    expect(port.codes).toEqual(['0a1B2c']);
    expect(port.forApps).toEqual(['default']);
  });

  it.each(['', 'has space', 'x'.repeat(257), '码'])('refuses %j before asking WeChat', async (code) => {
    const port = loginAnswering({ ok: true, openid: 'o_x' });
    const result = await new SignIn(port).execute({ code });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', field: 'code', rule: 'CODE_FORMAT' },
    });
    expect(port.codes).toEqual([]);
  });

  it.each([
    ['CODE_INVALID', { code: 'INVALID_INPUT', rule: 'CODE_INVALID' }],
    ['CODE_USED', { code: 'INVALID_INPUT', rule: 'CODE_USED' }],
    ['RATE_LIMITED', { code: 'LOGIN_REFUSED', refusal: 'RATE_LIMITED', upstreamCode: 1 }],
    ['USER_BLOCKED', { code: 'LOGIN_REFUSED', refusal: 'USER_BLOCKED', upstreamCode: 1 }],
    ['REJECTED', { code: 'LOGIN_REFUSED', refusal: 'REJECTED', upstreamCode: 1 }],
  ] as const)('maps the refusal %s to its error', async (refusal, expected) => {
    const result = await new SignIn(loginAnswering({ ok: false, refusal, upstreamCode: 1 })).execute({
      code: 'c',
    });
    expect(result).toMatchObject({ ok: false, error: expected });
  });

  it('lets transient trouble through as thrown (it is no refusal)', async () => {
    const port = loginAnswering(new UpstreamUnavailableError());
    await expect(new SignIn(port).execute({ code: 'c' })).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });
});

describe('GetIdentityStatus', () => {
  it("answers the user's latest VERIFIED session, or null", async () => {
    const repository = new InMemoryVerificationSessionRepository();
    const verified = aSessionSnapshot({
      id: 'ses_ok',
      openid: 'o_known',
      status: 'VERIFIED',
      binding: null,
      verifiedAt: new Date('2025-03-01T08:00:00Z'),
      endedAt: new Date('2025-03-01T08:00:00Z'),
    });
    await repository.insert(verified, anEventFor(verified));
    const status = new GetIdentityStatus({ repository });
    expect(await status.execute({ openid: 'o_known' })).toMatchObject({
      ok: true,
      value: { openid: 'o_known', app: 'default', latest: { id: 'ses_ok' } },
    });
    expect(await status.execute({ openid: 'o_unknown' })).toEqual({
      ok: true,
      value: { openid: 'o_unknown', app: 'default', latest: null },
    });
  });

  it.each(['', 'o user', 'o\u0000', 'x'.repeat(129)])(
    'refuses the openid %j as startVerification does',
    async (openid) => {
      const result = await new GetIdentityStatus({
        repository: new InMemoryVerificationSessionRepository(),
      }).execute({
        openid,
      });
      expect(result).toMatchObject({
        ok: false,
        error: { code: 'INVALID_INPUT', field: 'openid', rule: 'OPENID_INVALID' },
      });
    },
  );
});

describe('ListVerifications', () => {
  const list = () => new ListVerifications({ repository: new InMemoryVerificationSessionRepository() });

  it('pages newest first with the default page size', async () => {
    const repository = new InMemoryVerificationSessionRepository();
    for (let i = 0; i < 3; i++) {
      const session = aSessionSnapshot({ id: `ses_${i}`, createdAt: new Date(Date.UTC(2025, 0, 1 + i)) });
      await repository.insert(session, anEventFor(session));
    }
    const page = await new ListVerifications({ repository }).execute({ first: 2 });
    expect(page.ok && page.value.items.map((s) => s.id)).toEqual(['ses_2', 'ses_1']);
    expect(page.ok && page.value.hasNextPage).toBe(true);
  });

  it.each([
    [{ first: 0 }, 'first', 'PAGE_SIZE'],
    [{ first: MAX_PAGE_SIZE + 1 }, 'first', 'PAGE_SIZE'],
    [{ filter: { openid: 'bad openid' } }, 'openid', 'OPENID_INVALID'],
    [{ after: { createdAt: new Date(-8e15), id: 'x' } }, 'after', 'CURSOR_INVALID'],
    [{ after: { createdAt: new Date('2025-01-01T00:00:00Z'), id: '' } }, 'after', 'CURSOR_INVALID'],
  ])('refuses %o', async (query, field, rule) => {
    expect(await list().execute(query)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', field, rule },
    });
  });
});
