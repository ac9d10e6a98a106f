import {
  AcceptConsent,
  ageOn,
  ChooseAlternative,
  ConfirmVerification,
  EraseSubject,
  PublishConsentText,
  parseAlternative,
  RedactExpiredSessions,
  RedactVerification,
  ReportSubject,
  residentIdCheckChar,
  WithdrawConsent,
} from '@facegate/domain';
import {
  aConsentText,
  InMemoryWebhooks,
  makeVerificationDeps,
  TEST_CONSENT_VERSION,
  TEST_GUARDIAN_CONSENT_VERSION,
  TEST_OPENID,
  TEST_START,
} from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';
import { error, start, value } from './support/flows';

/** A valid ID number of someone born on `birth` (YYYYMMDD). */
const idBornOn = (birth: string) => {
  const first17 = `110105${birth}123`;
  return `${first17}${residentIdCheckChar(first17)}`;
};

// TEST_START is 2025-06-01T00:00Z, 08:00 on 1 June 2025 in China
describe('minors: under 14 on the start date, in China Standard Time', () => {
  it('counts whole years on the Chinese calendar day', () => {
    expect(ageOn('2011-06-01', TEST_START)).toBe(14);
    expect(ageOn('2011-06-02', TEST_START)).toBe(13);
    // 23:30 UTC on 31 May is already 1 June in China
    expect(ageOn('2011-06-01', new Date('2025-05-31T23:30:00Z'))).toBe(14);
    expect(ageOn('2011-06-01', new Date('2025-05-31T15:30:00Z'))).toBe(13);
    // born on 29 February: a year older on 1 March in a common year
    expect(ageOn('2012-02-29', new Date('2026-02-28T12:00:00Z'))).toBe(13);
    expect(ageOn('2012-02-29', new Date('2026-03-01T00:00:00Z'))).toBe(14);
  });

  it('refuses 13 years and 364 days with MINOR_NEEDS_GUARDIAN (nothing sent to WeChat); exactly 14 starts', async () => {
    const deps = makeVerificationDeps();
    const refused = error(await startResult(deps, idBornOn('20110602')));
    expect(refused).toMatchObject({ code: 'MINOR_NEEDS_GUARDIAN' });
    expect((refused as { messageZh: string }).messageZh).toContain('十四周岁');
    expect(deps.provider.prepareInputs).toEqual([]);
    expect(value(await startResult(deps, idBornOn('20110601')))).toMatchObject({ guardianRequired: false });
  });

  it('the 15-digit form is refused as before, whatever the birth date it holds', async () => {
    const deps = makeVerificationDeps();
    expect(error(await startResult(deps, '110105110602123'))).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('with the guardian policy a minor needs the guardian text, and the receipt records a guardian', async () => {
    const deps = makeVerificationDeps();
    const guardianDeps = { ...deps, consent: { ...deps.consent, minors: 'guardian' as const } };
    const withStandard = error(await startResult(guardianDeps, idBornOn('20150101')));
    expect(withStandard).toMatchObject({
      code: 'CONSENT_REQUIRED',
      currentVersion: TEST_GUARDIAN_CONSENT_VERSION,
      kind: 'GUARDIAN',
    });
    const session = value(
      await startResult(guardianDeps, idBornOn('20150101'), TEST_GUARDIAN_CONSENT_VERSION),
    );
    expect(session.guardianRequired).toBe(true);
    const [receipt] = deps.consent.receipts.all();
    expect(receipt).toMatchObject({ version: TEST_GUARDIAN_CONSENT_VERSION, guardian: true });
    // and an adult cannot use the guardian text
    expect(
      error(await startResult(guardianDeps, idBornOn('19900101'), TEST_GUARDIAN_CONSENT_VERSION)),
    ).toMatchObject({
      code: 'CONSENT_REQUIRED',
      kind: 'STANDARD',
    });
  });
});

function startResult(
  deps: ReturnType<typeof makeVerificationDeps>,
  idCardNumber: string,
  version = TEST_CONSENT_VERSION,
) {
  return startCommand(deps, idCardNumber, version);
}

async function startCommand(
  deps: ReturnType<typeof makeVerificationDeps>,
  idCardNumber: string,
  version: string,
) {
  const { StartVerification } = await import('@facegate/domain');
  return new StartVerification(deps).execute({
    openid: TEST_OPENID,
    name: '张三',
    idCardNumber,
    protocol: 'V2',
    initiator: 'user',
    consent: { version },
  });
}

describe('consent', () => {
  it('a user start without consent, or with an outdated version, is CONSENT_REQUIRED with nothing sent or stored', async () => {
    const deps = makeVerificationDeps();
    for (const consent of [undefined, { version: 'v0' }]) {
      const refused = error(await startNoThrow(deps, { consent }));
      expect(refused).toMatchObject({ code: 'CONSENT_REQUIRED', currentVersion: TEST_CONSENT_VERSION });
    }
    expect(deps.provider.prepareInputs).toEqual([]);
    expect(deps.repository.all()).toEqual([]);
    expect(deps.consent.receipts.all()).toEqual([]);
  });

  it('a receipt is recorded with the start: text version and hash, purpose, server time, HMACs, never the openid', async () => {
    const deps = makeVerificationDeps();
    const session = await start(deps, { protocol: 'V2', clientAddress: '203.0.113.9' });
    const [receipt] = deps.consent.receipts.all();
    const text = await deps.consent.texts.current('STANDARD');
    expect(receipt).toEqual({
      id: session.consentReceiptId,
      sessionId: session.id,
      openidHmac: deps.digests.hmacHex('openid', TEST_OPENID),
      version: TEST_CONSENT_VERSION,
      textSha256: text!.sha256,
      purpose: text!.purpose,
      guardian: false,
      acceptedAt: deps.clock.now(),
      clientAddressHmac: deps.digests.hmacHex('client-address', '203.0.113.9'),
      withdrawnAt: null,
    });
    expect(JSON.stringify(receipt)).not.toContain(TEST_OPENID);
  });

  it("a service's start takes no consent; the face check waits for the user's acceptance, and confirming before is refused without WeChat", async () => {
    const deps = makeVerificationDeps();
    expect(
      error(await startNoThrow(deps, { initiator: 'key_1', consent: { version: TEST_CONSENT_VERSION } })),
    ).toMatchObject({ code: 'INVALID_INPUT', field: 'consent' });
    const session = await start(deps, { protocol: 'V2', initiator: 'key_1' });
    expect(session.consentReceiptId).toBeNull();
    const early = error(await new ConfirmVerification(deps).execute({ sessionId: session.id }));
    expect(early).toMatchObject({ code: 'CONSENT_REQUIRED', currentVersion: TEST_CONSENT_VERSION });
    expect(deps.provider.calls.fetchV2Result).toBe(0);
    // another user cannot accept for it; the named user can, once
    const accept = new AcceptConsent(deps);
    expect(
      error(
        await accept.execute({ sessionId: session.id, version: TEST_CONSENT_VERSION, openid: 'o_other' }),
      ),
    ).toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
    const accepted = value(
      await accept.execute({ sessionId: session.id, version: TEST_CONSENT_VERSION, openid: TEST_OPENID }),
    );
    expect(accepted.session.consentReceiptId).toBe(accepted.receipt?.id);
    const again = value(
      await accept.execute({ sessionId: session.id, version: TEST_CONSENT_VERSION, openid: TEST_OPENID }),
    );
    expect(again.receipt?.id).toBe(accepted.receipt?.id);
    expect(deps.consent.receipts.all()).toHaveLength(1);
  });

  it('publishing: a new version becomes current; the same content again is a no-op; other content under a used version is refused', async () => {
    const deps = makeVerificationDeps();
    const publish = new PublishConsentText(deps);
    const input = { version: 'bank-v2', purpose: '开户', textZh: '新的同意书' };
    expect(value(await publish.execute(input))).toMatchObject({
      published: true,
      text: { version: 'bank-v2', kind: 'STANDARD' },
    });
    expect((await deps.consent.texts.current('STANDARD'))?.version).toBe('bank-v2');
    expect(value(await publish.execute(input)).published).toBe(false);
    expect(error(await publish.execute({ ...input, textZh: '改过的' }))).toMatchObject({
      code: 'CONSENT_VERSION_EXISTS',
    });
    expect(error(await publish.execute({ ...input, version: 'has space' }))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'version',
    });
    expect(error(await publish.execute({ ...input, version: 'v3', textZh: ' ' }))).toMatchObject({
      field: 'textZh',
    });
    expect(
      aConsentText({ version: 'bank-v2', purpose: '开户', textZh: '新的同意书', textEn: null }).sha256,
    ).toBe((await deps.consent.texts.current('STANDARD'))?.sha256);
  });

  it('withdrawal cancels an open session (CONSENT_WITHDRAWN) and stamps the receipt; an ended one only gets the stamp', async () => {
    const deps = makeVerificationDeps();
    const open = await start(deps, { protocol: 'V2' });
    const withdrawn = value(
      await new WithdrawConsent(deps).execute({ sessionId: open.id, openid: TEST_OPENID }),
    );
    expect(withdrawn).toMatchObject({ status: 'CANCELED', cancelReason: 'CONSENT_WITHDRAWN' });
    expect((await deps.consent.receipts.findById(open.consentReceiptId!))?.withdrawnAt).toEqual(
      deps.clock.now(),
    );
  });

  it('choosing the alternative cancels an open session (ALTERNATIVE_CHOSEN); another user gets SESSION_NOT_FOUND', async () => {
    const deps = makeVerificationDeps();
    const open = await start(deps, { protocol: 'V2' });
    const choose = new ChooseAlternative(deps);
    expect(error(await choose.execute({ sessionId: open.id, openid: 'o_other' }))).toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
    expect(value(await choose.execute({ sessionId: open.id, openid: TEST_OPENID }))).toMatchObject({
      status: 'CANCELED',
      cancelReason: 'ALTERNATIVE_CHOSEN',
    });
  });

  it('the alternative is a mini program page path or an https URL, with a label', () => {
    expect(parseAlternative('/pages/counter/index', '到柜台办理')).toEqual({
      ok: true,
      value: { kind: 'PAGE', target: '/pages/counter/index', label: '到柜台办理' },
    });
    expect(parseAlternative('pages/a/b?x=1', 'x')).toMatchObject({
      ok: true,
      value: { target: '/pages/a/b?x=1' },
    });
    expect(parseAlternative('https://bank.example/verify', 'x')).toMatchObject({
      ok: true,
      value: { kind: 'URL' },
    });
    for (const bad of [
      'http://bank.example',
      'javascript:alert(1)',
      'https://user:pw@bank.example',
      '/pages/../x',
      '',
    ]) {
      expect(parseAlternative(bad, 'x').ok, bad).toBe(false);
    }
    expect(parseAlternative('/pages/a', ' ').ok).toBe(false);
  });
});

describe('redaction, erasure, retention and the subject report', () => {
  const redactionDeps = () => {
    const deps = makeVerificationDeps();
    return { ...deps, redactor: deps.repository };
  };

  it('redacts an ended session: no personal field left, its events replaced by verification.redacted; idempotent', async () => {
    const deps = redactionDeps();
    const session = await start(deps, { protocol: 'V2', clientReferenceId: 'order-9' });
    const redact = new RedactVerification(deps);
    const first = value(await redact.execute(session.id));
    expect(first.changed).toBe(true);
    // an open session is canceled first
    expect(first.session).toMatchObject({
      status: 'CANCELED',
      cancelReason: 'SUBJECT_ERASED',
      openid: '',
      maskedName: '',
      maskedIdCardNumber: '',
      idNumberHmac: '',
      clientReferenceId: null,
      binding: null,
      consentReceiptId: session.consentReceiptId,
      redactedAt: deps.clock.now(),
    });
    expect((await deps.repository.storedEvents(session.id)).map((e) => e.type)).toEqual([
      'verification.redacted',
    ]);
    expect(value(await redact.execute(session.id)).changed).toBe(false);
    expect((await deps.repository.storedEvents(session.id)).map((e) => e.type)).toEqual([
      'verification.redacted',
    ]);
    expect(error(await redact.execute('ses_missing'))).toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('erasure redacts every session of one person and nobody else’s; receipts stay; a repeat redacts nothing', async () => {
    const deps = redactionDeps();
    const mine = [await start(deps, { protocol: 'V2' }), await start(deps, { protocol: 'V2' })];
    const other = await start(deps, { protocol: 'V2', openid: 'o_someone_else' });
    const erase = new EraseSubject(deps);
    expect(await erase.execute(TEST_OPENID)).toEqual({
      redacted: 2,
      sessionIds: expect.arrayContaining(mine.map((s) => s.id)),
    });
    expect(await erase.execute(TEST_OPENID)).toEqual({ redacted: 0, sessionIds: [] });
    expect((await deps.repository.findById(other.id))?.openid).toBe('o_someone_else');
    expect(deps.consent.receipts.all()).toHaveLength(3);
  });

  it('retention redacts only sessions ended before the period, in bounded batches that resume', async () => {
    const deps = redactionDeps();
    const ended = [];
    for (let i = 0; i < 5; i++) {
      const s = await start(deps, { protocol: 'V2' });
      ended.push(value(await new WithdrawConsent(deps).execute({ sessionId: s.id, openid: TEST_OPENID })));
    }
    deps.clock.advance(2 * 86_400_000);
    const recent = await start(deps, { protocol: 'V2' });
    await new WithdrawConsent(deps).execute({ sessionId: recent.id, openid: TEST_OPENID });
    const sweep = new RedactExpiredSessions(deps, { retentionDays: 1, batchSize: 2 });
    expect(await sweep.execute()).toEqual({ redacted: 2, more: true });
    expect(await sweep.execute()).toEqual({ redacted: 2, more: true });
    expect(await sweep.execute()).toEqual({ redacted: 1, more: false });
    expect(await sweep.execute()).toEqual({ redacted: 0, more: false });
    for (const s of ended) expect((await deps.repository.findById(s.id))?.redactedAt).not.toBeNull();
    expect((await deps.repository.findById(recent.id))?.redactedAt).toBeNull();
  });

  it('retention by app: an app with its own period keeps its sessions longer (or shorter) than the others', async () => {
    const deps = redactionDeps();
    const endIn = async (app: string) => {
      const s = await start(deps, { protocol: 'V2', app });
      return value(await new WithdrawConsent(deps).execute({ sessionId: s.id, openid: TEST_OPENID, app }));
    };
    const card = await endIn('card');
    const retail = await endIn('retail');
    const plain = await endIn('default');
    deps.clock.advance(3 * 86_400_000);
    // default 1 day; card keeps 7 days, retail 2
    const sweep = new RedactExpiredSessions(deps, {
      retentionDays: 1,
      batchSize: 10,
      retentionDaysByApp: () =>
        new Map([
          ['card', 7],
          ['retail', 2],
        ]),
    });
    expect(await sweep.execute()).toEqual({ redacted: 2, more: false });
    expect((await deps.repository.findById(plain.id))?.redactedAt).not.toBeNull();
    expect((await deps.repository.findById(retail.id))?.redactedAt).not.toBeNull();
    expect((await deps.repository.findById(card.id))?.redactedAt).toBeNull();
    deps.clock.advance(5 * 86_400_000);
    expect(await sweep.execute()).toEqual({ redacted: 1, more: false });
    expect((await deps.repository.findById(card.id))?.redactedAt).not.toBeNull();
  });

  it('a redacted session can never be confirmed', async () => {
    const deps = redactionDeps();
    const session = await start(deps, { protocol: 'V2' });
    await new RedactVerification(deps).execute(session.id);
    const result = await new ConfirmVerification(deps).execute({
      sessionId: session.id,
      openid: TEST_OPENID,
    });
    expect(error(result)).toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('the subject report holds their sessions (no binding), their receipts and the deliveries about them', async () => {
    const deps = makeVerificationDeps();
    const webhooks = new InMemoryWebhooks();
    const session = await start(deps, { protocol: 'V2' });
    await start(deps, { protocol: 'V2', openid: 'o_someone_else' });
    const report = await new ReportSubject({ ...deps, deliveries: webhooks.log }).execute(TEST_OPENID);
    expect(report.sessions.map((s) => s.id)).toEqual([session.id]);
    expect(report.sessions[0]?.binding).toBeNull();
    expect(report.consentReceipts.map((r) => r.sessionId)).toEqual([session.id]);
    expect(report.webhookDeliveries).toEqual([]);
  });
});

async function startNoThrow(deps: ReturnType<typeof makeVerificationDeps>, over: Record<string, unknown>) {
  const { StartVerification } = await import('@facegate/domain');
  return new StartVerification(deps).execute({
    openid: TEST_OPENID,
    name: '张三',
    idCardNumber: '11010519491231002X',
    protocol: 'V2',
    initiator: 'user',
    ...over,
  });
}
