import {
  AcceptConsent,
  type App,
  ChooseAlternative,
  checkAppSlug,
  checkProtocols,
  checkWeChatAppId,
  EraseSubject,
  EvidenceAlreadyUsedError,
  GetIdentityStatus,
  InvalidInputError,
  inAppScope,
  isAppSlug,
  type LoginAnswer,
  PublishConsentText,
  ReportSubject,
  SessionNotFoundError,
  SignIn,
  type StartAdmission,
  type StartAdmissionRequest,
  StartVerification,
  StaticAppDirectory,
  WithdrawConsent,
} from '@facegate/domain';
import {
  FakeAbuseKeyDigests,
  InMemoryWebhooks,
  makeAbuseLimits,
  makeVerificationDeps,
  TEST_CONSENT_VERSION,
  TEST_OPENID,
} from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';
import { confirm, error, identity, start, value } from './support/flows';

const retail: App = {
  id: 'default',
  appId: 'wx1111111111111111',
  displayName: 'Retail',
  protocols: ['LEGACY', 'V2'],
  disabled: false,
};
const card: App = {
  id: 'card',
  appId: 'wx2222222222222222',
  displayName: 'Card',
  protocols: ['V2'],
  disabled: false,
};
const retired: App = {
  id: 'retired',
  appId: 'wx3333333333333333',
  displayName: 'Retired',
  protocols: ['LEGACY', 'V2'],
  disabled: true,
};
/** Given out of order, so list() has something to sort. */
const directory = new StaticAppDirectory([retired, retail, card]);

/** The refusal of an app that is not served (or disabled). */
const appUnknown = { code: 'INVALID_INPUT', field: 'app', rule: 'APP_UNKNOWN' };

describe('StaticAppDirectory', () => {
  it('gets by slug only, disabled apps included', () => {
    expect(directory.get('card')).toBe(card);
    expect(directory.get('default')).toBe(retail);
    expect(directory.get('retired')).toBe(retired);
    expect(directory.get(card.appId)).toBeNull();
    expect(directory.get('nope')).toBeNull();
  });

  it('resolves by slug or by WeChat appid, enabled apps only', () => {
    expect(directory.resolve('card')).toBe(card);
    expect(directory.resolve(card.appId)).toBe(card);
    expect(directory.resolve(retail.appId)).toBe(retail);
    expect(directory.resolve('retired')).toBeNull();
    expect(directory.resolve(retired.appId)).toBeNull();
    expect(directory.resolve('nope')).toBeNull();
    expect(directory.resolve('wx9999999999999999')).toBeNull();
  });

  it('lists every app, disabled ones included, by slug', () => {
    expect(directory.list().map((a) => a.id)).toEqual(['card', 'default', 'retired']);
    expect(new StaticAppDirectory([]).list()).toEqual([]);
  });
});

describe('app validators', () => {
  it.each(['a', 'card', 'retail-2', 'default', `a${'b'.repeat(31)}`])('%j is an app slug', (slug) => {
    expect(isAppSlug(slug)).toBe(true);
    expect(checkAppSlug(slug)).toBeNull();
  });

  it.each(['', 'Card', '1card', '-card', 'card_x', 'card x', `a${'b'.repeat(32)}`, '卡', 42, null])(
    '%j is no app slug',
    (slug) => {
      expect(isAppSlug(slug)).toBe(false);
      expect(checkAppSlug(slug)).toMatchObject({
        code: 'INVALID_INPUT',
        field: 'app',
        rule: 'APP_ID_FORMAT',
      });
      expect(checkAppSlug(slug, 'filter.app')?.field).toBe('filter.app');
    },
  );

  it.each(['wx1234567890abcdef', 'wxsandbox_test', `wx${'a'.repeat(40)}`])(
    '%j is a WeChat appid',
    (appId) => {
      expect(checkWeChatAppId(appId)).toBeNull();
    },
  );

  it.each(['', 'wx', 'WX1234567890abcdef', '1234567890abcdef', 'wx-1234', `wx${'a'.repeat(41)}`, null])(
    '%j is no WeChat appid',
    (appId) => {
      expect(checkWeChatAppId(appId)).toMatchObject({ field: 'appId', rule: 'APPID_FORMAT' });
    },
  );

  it('protocols: one or both of LEGACY and V2, each once', () => {
    expect(checkProtocols(['LEGACY'])).toBeNull();
    expect(checkProtocols(['V2', 'LEGACY'])).toBeNull();
    for (const bad of [[], ['V3'], ['legacy'], ['V2', 'V2'], ['LEGACY', 'V2', 'LEGACY'], [null]]) {
      expect(checkProtocols(bad), JSON.stringify(bad)).toMatchObject({
        field: 'protocols',
        rule: 'PROTOCOLS_INVALID',
      });
    }
  });

  it('an app scope: null is every app, a list only its own', () => {
    expect(inAppScope(null, 'card')).toBe(true);
    expect(inAppScope(['card', 'default'], 'card')).toBe(true);
    expect(inAppScope(['default'], 'card')).toBe(false);
    expect(inAppScope([], 'default')).toBe(false);
  });
});

describe('SignIn with apps', () => {
  const login = () => {
    const calls: [code: string, app: string][] = [];
    return {
      calls,
      async exchange(code: string, app: string): Promise<LoginAnswer> {
        calls.push([code, app]);
        return { ok: true, openid: `o_${app}_user` };
      },
    };
  };

  it.each([
    [card.appId, 'card'],
    ['card', 'card'],
    [retail.appId, 'default'],
    [undefined, 'default'],
    [null, 'default'],
  ])('the app %j signs in as %s, its code exchanged with that app', async (named, slug) => {
    const port = login();
    const result = await new SignIn({ login: port, apps: directory }).execute({ code: 'c0de', app: named });
    expect(result).toEqual({ ok: true, value: { openid: `o_${slug}_user`, app: slug } });
    expect(port.calls).toEqual([['c0de', slug]]);
  });

  it.each(['nope', 'retired', retired.appId, 'wx9999999999999999', 'x'.repeat(65), 42])(
    'the app %j is refused as APP_UNKNOWN before WeChat is asked',
    async (named) => {
      const port = login();
      const signIn = new SignIn({ login: port, apps: directory });
      const result = await signIn.execute({ code: 'c0de', app: named as string });
      expect(error(result)).toBeInstanceOf(InvalidInputError);
      expect(error(result)).toMatchObject(appUnknown);
      expect(port.calls).toEqual([]);
    },
  );
});

/** An admission that admits everything and keeps what it was asked. */
const recordingAdmission = () => {
  const admitted: StartAdmissionRequest[] = [];
  const admission: StartAdmission = {
    admit: async (request) => {
      admitted.push(request);
      return 0;
    },
    recordMismatch: async () => {},
  };
  return { admission, admitted };
};

describe('StartVerification with apps', () => {
  const startIn = (deps: ReturnType<typeof makeVerificationDeps>, app: string, protocol: 'LEGACY' | 'V2') =>
    new StartVerification(deps).execute({
      app,
      openid: TEST_OPENID,
      name: identity.name,
      idCardNumber: identity.idCardNumber,
      protocol,
      initiator: 'user',
      consent: { version: TEST_CONSENT_VERSION },
    });

  it.each(['nope', 'retired'])('refuses the app %j before any limit, provider call or write', async (app) => {
    const { admission, admitted } = recordingAdmission();
    const deps = makeVerificationDeps({ apps: directory, admission });
    expect(error(await startIn(deps, app, 'V2'))).toMatchObject(appUnknown);
    expect(admitted).toEqual([]);
    expect(deps.provider.calls.prepare).toBe(0);
    expect((await deps.repository.list({}, 10, null)).items).toEqual([]);
    expect(deps.events.events).toEqual([]);
  });

  it('refuses a protocol the app is not approved for, before any provider call', async () => {
    const deps = makeVerificationDeps({ apps: directory });
    expect(error(await startIn(deps, 'card', 'LEGACY'))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'protocol',
      rule: 'PROTOCOL_NOT_APPROVED',
    });
    expect(deps.provider.calls.prepare).toBe(0);
    expect(deps.events.events).toEqual([]);
  });

  it('records the app on the session and its event, and prepares with its credentials', async () => {
    const { admission, admitted } = recordingAdmission();
    const deps = makeVerificationDeps({ apps: directory, admission });
    const s = value(await startIn(deps, 'card', 'V2'));
    expect(s.app).toBe('card');
    expect((await deps.repository.findById(s.id))?.app).toBe('card');
    expect(deps.events.events.map((e) => [e.sessionId, e.app])).toEqual([[s.id, 'card']]);
    expect(deps.provider.prepareInputs.map((p) => p.app)).toEqual(['card', 'card', 'card']);
    expect(admitted.map((r) => [r.app, r.openid])).toEqual([['card', TEST_OPENID]]);
  });

  it('with no app named, starts in the default app (held to its protocols too)', async () => {
    const deps = makeVerificationDeps({ apps: directory });
    const s = await start(deps, { protocol: 'LEGACY' });
    expect(s.app).toBe('default');
    expect(deps.provider.prepareInputs).toEqual([
      { protocol: 'LEGACY', app: 'default', name: identity.name, idCardNumber: identity.idCardNumber },
    ]);
  });
});

describe('one openid in two apps is two users', () => {
  /** A legacy session of TEST_OPENID in app a, and the evidence of a passing check for it. */
  const setup = async (over: Parameters<typeof start>[1] = {}) => {
    const deps = makeVerificationDeps();
    const session = await start(deps, { app: 'a', ...over });
    const evidence = () =>
      deps.provider.issueLegacyEvidence({
        openid: TEST_OPENID,
        name: identity.name,
        idCardNumber: identity.idCardNumber,
      });
    return { deps, session, evidence };
  };

  it('ConfirmVerification: the user signed into app b does not find the session; no provider call, no claim kept', async () => {
    const { deps, session, evidence } = await setup();
    const verifyResult = evidence();
    const asB = await confirm(deps, { sessionId: session.id, verifyResult, openid: TEST_OPENID, app: 'b' });
    expect(error(asB)).toBeInstanceOf(SessionNotFoundError);
    // the default app is not app a either
    const asDefault = await confirm(deps, { sessionId: session.id, verifyResult, openid: TEST_OPENID });
    expect(error(asDefault)).toBeInstanceOf(SessionNotFoundError);
    expect(deps.provider.calls.fetchLegacyResult).toBe(0);
    expect(await deps.repository.findById(session.id)).toEqual(session);
    // the evidence is still free for the session's own user
    const asA = value(
      await confirm(deps, { sessionId: session.id, verifyResult, openid: TEST_OPENID, app: 'a' }),
    );
    expect(asA.status).toBe('VERIFIED');
    expect(deps.provider.legacyQueryApps).toEqual(['a']);
  });

  it('ConfirmVerification by a service limited to app b: SESSION_NOT_FOUND; limited to a, or to none, it confirms', async () => {
    const { deps, session, evidence } = await setup();
    const verifyResult = evidence();
    expect(error(await confirm(deps, { sessionId: session.id, verifyResult, apps: ['b'] }))).toBeInstanceOf(
      SessionNotFoundError,
    );
    expect(error(await confirm(deps, { sessionId: session.id, verifyResult, apps: [] }))).toBeInstanceOf(
      SessionNotFoundError,
    );
    expect(deps.provider.calls.fetchLegacyResult).toBe(0);
    expect(value(await confirm(deps, { sessionId: session.id, verifyResult, apps: ['b', 'a'] })).status).toBe(
      'VERIFIED',
    );

    const other = await setup();
    const again = other.evidence();
    expect(
      value(await confirm(other.deps, { sessionId: other.session.id, verifyResult: again, apps: null }))
        .status,
    ).toBe('VERIFIED');
  });

  it("asks WeChat about a v2 check with the session's app", async () => {
    const { deps, session } = await setup({ protocol: 'V2' });
    value(await confirm(deps, { sessionId: session.id, clientErrCode: 0, openid: TEST_OPENID, app: 'a' }));
    expect(deps.provider.v2Queries.map((q) => q.app)).toEqual(['a']);
  });

  it('the replay guard is global: evidence used in app a is refused on a session of app b', async () => {
    const { deps, session, evidence } = await setup();
    const verifyResult = evidence();
    value(await confirm(deps, { sessionId: session.id, verifyResult, openid: TEST_OPENID, app: 'a' }));
    const inB = await start(deps, { app: 'b' });
    const replayed = await confirm(deps, { sessionId: inB.id, verifyResult, openid: TEST_OPENID, app: 'b' });
    expect(error(replayed)).toBeInstanceOf(EvidenceAlreadyUsedError);
    expect(await deps.repository.findById(inB.id)).toEqual(inB);
    expect(deps.provider.calls.fetchLegacyResult).toBe(1);
  });

  it('AcceptConsent: only the user of the session’s app accepts', async () => {
    const { deps, session } = await setup({ initiator: 'key_1' });
    expect(session.consentReceiptId).toBeNull();
    const accept = (app: string | undefined) =>
      new AcceptConsent(deps).execute({
        sessionId: session.id,
        version: TEST_CONSENT_VERSION,
        openid: TEST_OPENID,
        app,
      });
    expect(error(await accept('b'))).toBeInstanceOf(SessionNotFoundError);
    expect(error(await accept(undefined))).toBeInstanceOf(SessionNotFoundError);
    expect(deps.consent.receipts.all()).toEqual([]);
    expect(value(await accept('a')).session.consentReceiptId).not.toBeNull();
  });

  it.each([
    ['WithdrawConsent', WithdrawConsent, 'CONSENT_WITHDRAWN'],
    ['ChooseAlternative', ChooseAlternative, 'ALTERNATIVE_CHOSEN'],
  ] as const)('%s: only the user of the session’s app cancels it', async (_, UseCase, reason) => {
    const { deps, session } = await setup();
    const decide = (app: string | undefined) =>
      new UseCase(deps).execute({ sessionId: session.id, openid: TEST_OPENID, app });
    expect(error(await decide('b'))).toBeInstanceOf(SessionNotFoundError);
    expect(error(await decide(undefined))).toBeInstanceOf(SessionNotFoundError);
    expect(await deps.repository.findById(session.id)).toEqual(session);
    expect(value(await decide('a'))).toMatchObject({ status: 'CANCELED', cancelReason: reason });
  });
});

describe('consent texts of an app', () => {
  const cardText = { version: 'card-1', purpose: '办卡', textZh: '卡片小程序的同意书', app: 'card' };
  /** Deps serving `directory`, with the default texts and card's own standard text published. */
  const withCardText = async () => {
    const deps = makeVerificationDeps({ apps: directory });
    value(await new PublishConsentText(deps).execute(cardText));
    return deps;
  };
  const startIn = (deps: ReturnType<typeof makeVerificationDeps>, app: string, version: string) =>
    new StartVerification(deps).execute({
      app,
      openid: TEST_OPENID,
      name: identity.name,
      idCardNumber: identity.idCardNumber,
      protocol: 'V2',
      initiator: 'user',
      consent: { version },
    });

  it("publishing for an app: a valid slug of a known app (a disabled one too); the deployment's text is unchanged", async () => {
    const deps = makeVerificationDeps({ apps: directory });
    const publish = new PublishConsentText(deps);
    expect(value(await publish.execute(cardText))).toMatchObject({
      published: true,
      text: { version: 'card-1', kind: 'STANDARD', app: 'card' },
    });
    expect((await deps.consent.texts.current('STANDARD'))?.version).toBe(TEST_CONSENT_VERSION);
    expect((await deps.consent.texts.current('STANDARD', 'card'))?.version).toBe('card-1');
    expect(
      value(await publish.execute({ ...cardText, version: 'retired-1', app: 'retired' })).published,
    ).toBe(true);
    expect(error(await publish.execute({ ...cardText, version: 'x-1', app: 'nope' }))).toMatchObject(
      appUnknown,
    );
    expect(error(await publish.execute({ ...cardText, version: 'x-2', app: 'Card!' }))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'app',
      rule: 'APP_ID_FORMAT',
    });
    // the same text again is a no-op; the same version for another app (or the deployment) is refused
    expect(value(await publish.execute(cardText)).published).toBe(false);
    for (const app of ['default', null]) {
      expect(error(await publish.execute({ ...cardText, app }))).toMatchObject({
        code: 'CONSENT_VERSION_EXISTS',
      });
    }
    expect(error(await publish.execute({ ...cardText, version: TEST_CONSENT_VERSION }))).toMatchObject({
      code: 'CONSENT_VERSION_EXISTS',
    });
    // without a directory any well-formed slug is taken
    const bare = makeVerificationDeps();
    expect(value(await new PublishConsentText(bare).execute({ ...cardText, app: 'later' })).text.app).toBe(
      'later',
    );
  });

  it("a start in the app needs its own text: the deployment's version is CONSENT_REQUIRED naming the app's", async () => {
    const deps = await withCardText();
    expect(error(await startIn(deps, 'card', TEST_CONSENT_VERSION))).toMatchObject({
      code: 'CONSENT_REQUIRED',
      currentVersion: 'card-1',
      kind: 'STANDARD',
    });
    expect(deps.provider.calls.prepare).toBe(0);
    const session = value(await startIn(deps, 'card', 'card-1'));
    const [receipt] = deps.consent.receipts.all();
    expect(receipt).toMatchObject({
      id: session.consentReceiptId,
      version: 'card-1',
      purpose: '办卡',
      textSha256: (await deps.consent.texts.find('card-1'))?.sha256,
    });
  });

  it("an app without its own text uses the deployment's; another app's version is not accepted there", async () => {
    const deps = await withCardText();
    expect(error(await startIn(deps, 'default', 'card-1'))).toMatchObject({
      code: 'CONSENT_REQUIRED',
      currentVersion: TEST_CONSENT_VERSION,
    });
    expect(value(await startIn(deps, 'default', TEST_CONSENT_VERSION)).app).toBe('default');
    expect(deps.consent.receipts.all().map((r) => r.version)).toEqual([TEST_CONSENT_VERSION]);
  });

  it("AcceptConsent holds a service's session to its app's text", async () => {
    const deps = await withCardText();
    const session = value(
      await new StartVerification(deps).execute({
        app: 'card',
        openid: TEST_OPENID,
        name: identity.name,
        idCardNumber: identity.idCardNumber,
        protocol: 'V2',
        initiator: 'key_1',
      }),
    );
    const accept = (version: string) =>
      new AcceptConsent(deps).execute({ sessionId: session.id, version, openid: TEST_OPENID, app: 'card' });
    expect(error(await accept(TEST_CONSENT_VERSION))).toMatchObject({
      code: 'CONSENT_REQUIRED',
      currentVersion: 'card-1',
    });
    expect(deps.consent.receipts.all()).toEqual([]);
    const accepted = value(await accept('card-1'));
    expect(accepted.receipt).toMatchObject({ version: 'card-1', guardian: false });
    expect(accepted.session.consentReceiptId).toBe(accepted.receipt?.id);
  });
});

describe('identity status, erasure and the subject report, per app', () => {
  it('GetIdentityStatus answers for the app asked about only', async () => {
    const deps = makeVerificationDeps();
    const session = await start(deps, { app: 'a' });
    const verifyResult = deps.provider.issueLegacyEvidence({
      openid: TEST_OPENID,
      name: identity.name,
      idCardNumber: identity.idCardNumber,
    });
    value(await confirm(deps, { sessionId: session.id, verifyResult, openid: TEST_OPENID, app: 'a' }));
    const status = new GetIdentityStatus(deps);
    expect(value(await status.execute({ openid: TEST_OPENID, app: 'a' }))).toMatchObject({
      openid: TEST_OPENID,
      app: 'a',
      latest: { id: session.id, app: 'a', status: 'VERIFIED' },
    });
    expect(value(await status.execute({ openid: TEST_OPENID, app: 'b' }))).toEqual({
      openid: TEST_OPENID,
      app: 'b',
      latest: null,
    });
    expect(value(await status.execute({ openid: TEST_OPENID })).latest).toBeNull();
    expect(error(await status.execute({ openid: TEST_OPENID, app: 'Not An App' }))).toMatchObject({
      field: 'app',
      rule: 'APP_ID_FORMAT',
    });
  });

  it('EraseSubject redacts the named app’s sessions of the openid, and leaves the same openid in another app', async () => {
    const base = makeVerificationDeps();
    const deps = { ...base, redactor: base.repository };
    const inA = await start(deps, { app: 'a', protocol: 'V2' });
    const inB = await start(deps, { app: 'b', protocol: 'V2' });
    const inDefault = await start(deps, { protocol: 'V2' });
    expect(await new EraseSubject(deps).execute(TEST_OPENID, 'a')).toEqual({
      redacted: 1,
      sessionIds: [inA.id],
    });
    expect((await deps.repository.findById(inA.id))?.redactedAt).not.toBeNull();
    expect(await deps.repository.findById(inB.id)).toEqual(inB);
    expect(await deps.repository.findById(inDefault.id)).toEqual(inDefault);
    // the app left out is the default one
    expect(await new EraseSubject(deps).execute(TEST_OPENID)).toEqual({
      redacted: 1,
      sessionIds: [inDefault.id],
    });
    expect(await deps.repository.findById(inB.id)).toEqual(inB);
  });

  it('ReportSubject reports the named app’s sessions and consent receipts of the openid only, erased ones included', async () => {
    const base = makeVerificationDeps();
    const deps = { ...base, redactor: base.repository };
    const inA = await start(deps, { app: 'a', protocol: 'V2' });
    const inB = await start(deps, { app: 'b', protocol: 'V2' });
    const report = new ReportSubject({ ...deps, deliveries: new InMemoryWebhooks().log });
    const of = async (app?: string) => {
      const { sessions, consentReceipts } = await report.execute(TEST_OPENID, app);
      return { sessions: sessions.map((s) => s.id), receipts: consentReceipts.map((r) => r.sessionId) };
    };
    expect(await of('a')).toEqual({ sessions: [inA.id], receipts: [inA.id] });
    expect(await of('b')).toEqual({ sessions: [inB.id], receipts: [inB.id] });
    expect(await of()).toEqual({ sessions: [], receipts: [] });
    // erased, the session no longer names them, but its receipt (the proof) is still reported, in its app only
    await new EraseSubject(deps).execute(TEST_OPENID, 'a');
    expect(await of('a')).toEqual({ sessions: [], receipts: [inA.id] });
    expect(await of('b')).toEqual({ sessions: [inB.id], receipts: [inB.id] });
  });
});

describe('AbuseLimits count per app', () => {
  const number = 'h'.repeat(64);
  const request = (app: string, openid = 'o_user'): StartAdmissionRequest => ({
    app,
    openid,
    idNumberHmac: number,
    clientAddress: '203.0.113.9',
    verifiedBefore: async () => false,
  });

  it.each([
    ['card', 'default'],
    ['default', 'card'],
  ])(
    "a user's allowance used up in app %s leaves the same openid and number admitted in app %s",
    async (used, other) => {
      const { limits } = makeAbuseLimits({ settings: { openidPerDay: 2 } });
      expect(await limits.admit(request(used))).toBe(0);
      expect(await limits.admit(request(used))).toBe(0);
      expect(await limits.admit(request(used))).toBeGreaterThan(0);
      expect(await limits.admit(request(other))).toBe(0);
      expect(await limits.admit(request('shop'))).toBe(0);
      // and another user of the used-up app is not touched either
      expect(await limits.admit(request(used, 'o_someone_else'))).toBe(0);
    },
  );

  it('the per-number allowance counts per app too', async () => {
    const { limits } = makeAbuseLimits({ settings: { idNumberPerMinute: 1 } });
    expect(await limits.admit(request('card'))).toBe(0);
    expect(await limits.admit(request('card'))).toBeGreaterThan(0);
    expect(await limits.admit(request('default'))).toBe(0);
  });

  it("an ID number's mismatch ceiling reached in one app refuses its contributors there only", async () => {
    const { limits } = makeAbuseLimits({ settings: { idNumberMismatchesPerDay: 2 } });
    for (let i = 0; i < 2; i++) {
      await limits.recordMismatch({
        app: 'card',
        openid: 'o_user',
        idNumberHmac: number,
        clientAddress: null,
      });
    }
    expect(await limits.admit(request('card'))).toBeGreaterThan(0);
    expect(await limits.admit(request('default'))).toBe(0);
    expect(await limits.admit(request('shop'))).toBe(0);

    const { limits: other } = makeAbuseLimits({ settings: { idNumberMismatchesPerDay: 2 } });
    for (let i = 0; i < 2; i++) {
      await other.recordMismatch({
        app: 'default',
        openid: 'o_user',
        idNumberHmac: number,
        clientAddress: null,
      });
    }
    expect(await other.admit(request('default'))).toBeGreaterThan(0);
    expect(await other.admit(request('card'))).toBe(0);
  });

  it("the default app keeps the keys used before apps; another app's differ", async () => {
    const { limits, counters } = makeAbuseLimits();
    await limits.admit(request('default'));
    await limits.admit(request('card'));
    const [defaultKey, , , cardKey] = counters.increments.map((h) => h.key);
    expect(defaultKey).toBe(new FakeAbuseKeyDigests().hmacHex('openid', 'o_user'));
    expect(cardKey).not.toBe(defaultKey);
    expect(counters.increments[3]?.scope).toBe('start:openid:day');
  });
});

describe('SignIn in sandbox mode: an unknown appid falls back to the default app', () => {
  it('signs DevTools tourist appids in to the fallback; without a fallback they are refused', async () => {
    const calls: string[] = [];
    const login = {
      exchange: async (_code: string, app: string) => {
        calls.push(app);
        return { ok: true as const, openid: 'o_devtools' };
      },
    };
    const apps = new StaticAppDirectory([
      { id: 'default', appId: 'wx_sandbox_app', displayName: 'd', protocols: ['V2'], disabled: false },
    ]);
    const withFallback = new SignIn({ login, apps, unknownAppFallback: 'default' });
    expect(await withFallback.execute({ code: 'c1', app: 'touristappid' })).toEqual({
      ok: true,
      value: { openid: 'o_devtools', app: 'default' },
    });
    const strict = await new SignIn({ login, apps }).execute({ code: 'c2', app: 'touristappid' });
    expect(strict.ok).toBe(false);
    expect(calls).toEqual(['default']);
  });
});
