import {
  clientParamsOf,
  InvalidInputError,
  type StartAdmissionRequest,
  StartVerification,
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamUnavailableError,
} from '@facegate/domain';
import {
  makeVerificationDeps,
  TEST_CONSENT_VERSION,
  TEST_OPENID,
  testIdentities,
} from '@facegate/domain/testing';
import { describe, expect, it, vi } from 'vitest';
import { acceptConsent, error, identity, start } from './support/flows';

describe('StartVerification, legacy', () => {
  it('stores a pending session with the MD5 binding and the user_id_key, and announces it', async () => {
    const deps = makeVerificationDeps();
    const s = await start(deps);
    expect(s).toMatchObject({
      id: 'ses_000001',
      app: 'default',
      protocol: 'LEGACY',
      status: 'PENDING',
      openid: TEST_OPENID,
      livenessType: 'SCREEN_FLASH_OR_READ_DIGITS',
      maskedName: '张*',
      maskedIdCardNumber: '1101**********002X',
      attempts: 0,
      maxAttempts: 3,
      lastError: null,
      verifiedAt: null,
      endedAt: null,
      initiator: 'user',
      consentReceiptId: 'rcp_000001',
      guardianRequired: false,
      cancelReason: null,
      redactedAt: null,
      clientReferenceId: null,
      version: 1,
      binding: {
        protocol: 'LEGACY',
        idCardNumberMd5: identity.idCardNumberMd5,
        nameUtf8Md5: identity.nameUtf8Md5,
        userIdKey: 'fake-user-id-key-1',
      },
    });
    expect(s.idNumberHmac).toBe(deps.digests.hmacHex('id-number', identity.idCardNumber));
    expect(s.createdAt).toEqual(deps.clock.now());
    expect(s.expiresAt.getTime() - s.createdAt.getTime()).toBe(30 * 60_000);
    expect(await deps.repository.findById(s.id)).toEqual(s);
    expect(deps.events.events).toEqual([
      {
        type: 'verification.updated',
        sessionId: s.id,
        app: 'default',
        status: 'PENDING',
        attempts: 0,
        occurredAt: s.createdAt,
      },
    ]);
    expect(clientParamsOf(s)).toEqual({
      protocol: 'LEGACY',
      checkAliveType: 2,
      userIdKey: 'fake-user-id-key-1',
    });
  });

  it('sends WeChat the normalized identity and hashes that', async () => {
    const deps = makeVerificationDeps();
    const minority = testIdentities.valid[3];
    const s = await start(deps, {
      name: ' 阿依古丽•买买提 ',
      idCardNumber: minority.idCardNumber.replace(/^6/, '６'),
      livenessType: 'READ_DIGITS',
      clientReferenceId: 'order-7',
      initiator: 'key_abc',
    });
    expect(deps.provider.prepareInputs).toEqual([
      { protocol: 'LEGACY', app: 'default', name: minority.name, idCardNumber: minority.idCardNumber },
    ]);
    expect(s.binding).toMatchObject({
      idCardNumberMd5: minority.idCardNumberMd5,
      nameUtf8Md5: minority.nameUtf8Md5,
    });
    expect(s).toMatchObject({
      livenessType: 'READ_DIGITS',
      clientReferenceId: 'order-7',
      initiator: 'key_abc',
    });
    // a service's session waits for the user's consent: no parameters for the face check until then
    expect(clientParamsOf(s)).toBeNull();
    expect(clientParamsOf(await acceptConsent(deps, s))).toMatchObject({ checkAliveType: 0 });
  });

  it('never outlives the user_id_key', async () => {
    const deps = makeVerificationDeps();
    deps.provider.scriptPrepare({ expiresInSeconds: 600 });
    const s = await start(deps);
    expect(s.expiresAt.getTime() - s.createdAt.getTime()).toBe(600_000);
  });

  it('returns UpstreamRejectedError, storing nothing, when WeChat refuses', async () => {
    const deps = makeVerificationDeps();
    deps.provider.scriptPrepare({ errcode: 10006 });
    const result = await new StartVerification(deps).execute({
      openid: TEST_OPENID,
      name: identity.name,
      idCardNumber: identity.idCardNumber,
      protocol: 'LEGACY',
      initiator: 'user',
      consent: { version: TEST_CONSENT_VERSION },
    });
    const e = error(result);
    expect(e).toBeInstanceOf(UpstreamRejectedError);
    expect(e).toMatchObject({ code: 'UPSTREAM_REJECTED', upstreamCode: 10006 });
    expect(deps.repository.all()).toEqual([]);
    expect(deps.events.events).toEqual([]);
  });

  it('throws UpstreamUnavailableError for -1 and for a provider that cannot reach WeChat', async () => {
    const deps = makeVerificationDeps();
    deps.provider.scriptPrepare({ errcode: -1 }, new UpstreamUnavailableError());
    await expect(start(deps)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstreamCode: -1 });
    await expect(start(deps)).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(deps.repository.all()).toEqual([]);
  });

  it('throws UpstreamProtocolError for a success without a user_id_key', async () => {
    const deps = makeVerificationDeps();
    deps.provider.scriptPrepare({ id: null });
    await expect(start(deps)).rejects.toBeInstanceOf(UpstreamProtocolError);
  });
});

describe('StartVerification, v2', () => {
  const hour = 3600_000;

  it('prepares a verifyId for every attempt, each under its own out_seq_no, and keeps only the cert_hash', async () => {
    const deps = makeVerificationDeps();
    const s = await start(deps, { protocol: 'V2' });
    expect(deps.provider.prepareInputs).toEqual(
      [1, 2, 3].map((n) => ({
        protocol: 'V2',
        app: 'default',
        openid: TEST_OPENID,
        outSeqNo: `seq00000${n}`,
        name: identity.name,
        idCardNumber: identity.idCardNumber,
      })),
    );
    const expiry = new Date(s.createdAt.getTime() + hour);
    expect(s).toMatchObject({ protocol: 'V2', livenessType: null, maxAttempts: 3, attempts: 0 });
    expect(s.binding).toEqual({
      protocol: 'V2',
      certHash: identity.certHash,
      outSeqNo: 'seq000001',
      verifyId: 'fake-verify-id-1',
      verifyIdExpiresAt: expiry,
      spares: [
        { outSeqNo: 'seq000002', verifyId: 'fake-verify-id-2', verifyIdExpiresAt: expiry },
        { outSeqNo: 'seq000003', verifyId: 'fake-verify-id-3', verifyIdExpiresAt: expiry },
      ],
    });
    expect(clientParamsOf(s)).toEqual({ protocol: 'V2', verifyId: 'fake-verify-id-1' });
    expect(s.expiresAt.getTime() - s.createdAt.getTime()).toBe(30 * 60_000);
    // The privacy rule: the raw identity is in no field of what is stored or returned.
    for (const snapshot of [s, ...deps.repository.all()]) {
      expect(JSON.stringify(snapshot)).not.toContain(identity.name);
      expect(JSON.stringify(snapshot)).not.toContain(identity.idCardNumber);
    }
  });

  it.each([1, 2, 5])('makes exactly maxAttempts (%i) getverifyid calls', async (maxAttempts) => {
    const deps = makeVerificationDeps({ settings: { maxAttempts } });
    const s = await start(deps, { protocol: 'V2' });
    expect(deps.provider.calls).toEqual({ prepare: maxAttempts, fetchLegacyResult: 0, fetchV2Result: 0 });
    expect(s.binding?.protocol === 'V2' && s.binding.spares).toHaveLength(maxAttempts - 1);
    expect(new Set(deps.provider.prepareInputs.map((p) => p.protocol === 'V2' && p.outSeqNo)).size).toBe(
      maxAttempts,
    );
  });

  it('makes the getverifyid calls concurrently', async () => {
    const deps = makeVerificationDeps();
    const prepare = deps.provider.prepare.bind(deps.provider);
    const waiting: (() => void)[] = [];
    deps.provider.prepare = ((input: Parameters<typeof prepare>[0]) =>
      new Promise<void>((resolve) => waiting.push(resolve)).then(() => prepare(input))) as typeof prepare;
    const started = start(deps, { protocol: 'V2' });
    await vi.waitUntil(() => waiting.length === 3, { timeout: 10_000 });
    // All three are in flight before any has answered.
    expect(deps.provider.calls.prepare).toBe(0);
    for (const release of waiting) release();
    expect((await started).status).toBe('PENDING');
    expect(deps.provider.calls.prepare).toBe(3);
  });

  it('never outlives its verifyId, nor any spare', async () => {
    const deps = makeVerificationDeps({ settings: { sessionTtlMs: 2 * hour } });
    const s = await start(deps, { protocol: 'V2' });
    expect(s.expiresAt.getTime() - s.createdAt.getTime()).toBe(hour);
    const short = makeVerificationDeps();
    short.provider.scriptPrepare({}, {}, { expiresInSeconds: 120 });
    const t = await start(short, { protocol: 'V2' });
    expect(t.expiresAt.getTime() - t.createdAt.getTime()).toBe(120_000);
    expect(t.binding?.protocol === 'V2' && t.binding.spares[1]?.verifyIdExpiresAt).toEqual(t.expiresAt);
  });

  it('assumes the documented hour when WeChat omits expires_in', async () => {
    const deps = makeVerificationDeps({ settings: { sessionTtlMs: 5 * hour } });
    deps.provider.scriptPrepare({ expiresInSeconds: 0 }, { expiresInSeconds: 0 }, { expiresInSeconds: 0 });
    const s = await start(deps, { protocol: 'V2' });
    expect(s.expiresAt.getTime() - s.createdAt.getTime()).toBe(hour);
  });

  it('rejects a liveness type, which only legacy has', async () => {
    const deps = makeVerificationDeps();
    await expect(start(deps, { protocol: 'V2', livenessType: 'READ_DIGITS' })).rejects.toMatchObject({
      field: 'livenessType',
      rule: 'LIVENESS_TYPE_LEGACY_ONLY',
    });
    expect(deps.provider.calls.prepare).toBe(0);
  });

  it('returns UpstreamRejectedError when WeChat refuses any of the verifyIds, and stores nothing', async () => {
    const deps = makeVerificationDeps();
    deps.provider.scriptPrepare({}, {}, { errcode: 40164 });
    const e = error(
      await new StartVerification(deps).execute({
        openid: TEST_OPENID,
        name: identity.name,
        idCardNumber: identity.idCardNumber,
        protocol: 'V2',
        initiator: 'user',
        consent: { version: TEST_CONSENT_VERSION },
      }),
    );
    expect(e).toBeInstanceOf(UpstreamRejectedError);
    expect(e).toMatchObject({ upstreamCode: 40164 });
    expect(deps.repository.all()).toEqual([]);
    expect(deps.events.events).toEqual([]);
  });

  it('fails the start, storing nothing, when any getverifyid call meets an unavailable WeChat', async () => {
    const deps = makeVerificationDeps();
    deps.provider.scriptPrepare({}, new UpstreamUnavailableError(), {});
    await expect(start(deps, { protocol: 'V2' })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    // A transient code counts as unavailable even beside a refusal.
    deps.provider.scriptPrepare({ errcode: 40164 }, {}, { errcode: -1 });
    await expect(start(deps, { protocol: 'V2' })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstreamCode: -1,
    });
    expect(deps.repository.all()).toEqual([]);
    expect(deps.events.events).toEqual([]);
  });

  it('throws UpstreamProtocolError when any success comes without a verify_id', async () => {
    const deps = makeVerificationDeps();
    deps.provider.scriptPrepare({}, { id: null }, {});
    await expect(start(deps, { protocol: 'V2' })).rejects.toBeInstanceOf(UpstreamProtocolError);
    expect(deps.repository.all()).toEqual([]);
  });

  it.each([0, 1.5, Number.POSITIVE_INFINITY])(
    'throws for a maxAttempts of %s before any upstream call',
    async (maxAttempts) => {
      const deps = makeVerificationDeps({ settings: { maxAttempts } });
      await expect(start(deps, { protocol: 'V2' })).rejects.toBeInstanceOf(RangeError);
      expect(deps.provider.calls.prepare).toBe(0);
    },
  );
});

describe('StartVerification input', () => {
  const secretName = '张3';
  const secretId = '11010519491231002Y';
  it.each([
    [{ name: secretName }, 'name', 'NAME_CHARACTERS'],
    [{ name: '' }, 'name', 'NAME_REQUIRED'],
    [{ idCardNumber: secretId }, 'idCardNumber', 'ID_CHARACTERS'],
    [{ idCardNumber: '110105491231002' }, 'idCardNumber', 'ID_LEGACY_15_DIGIT'],
    [{ openid: '' }, 'openid', 'OPENID_INVALID'],
    [{ openid: 'has space' }, 'openid', 'OPENID_INVALID'],
    [{ openid: 'o'.repeat(129) }, 'openid', 'OPENID_INVALID'],
    [{ protocol: 'V3' as 'V2' }, 'protocol', 'PROTOCOL_UNKNOWN'],
    [{ livenessType: 'BLINK' as 'READ_DIGITS' }, 'livenessType', 'LIVENESS_TYPE_UNKNOWN'],
    [{ clientReferenceId: 'r'.repeat(129) }, 'clientReferenceId', 'CLIENT_REFERENCE_ID_INVALID'],
    [{ clientReferenceId: 'a\nb' }, 'clientReferenceId', 'CLIENT_REFERENCE_ID_INVALID'],
  ])(
    'rejects %j as InvalidInputError on %s (%s), before any upstream call',
    async (overrides, field, rule) => {
      const deps = makeVerificationDeps();
      const e = error(
        await new StartVerification(deps).execute({
          openid: TEST_OPENID,
          name: identity.name,
          idCardNumber: identity.idCardNumber,
          protocol: 'LEGACY',
          initiator: 'user',
          consent: { version: TEST_CONSENT_VERSION },
          ...overrides,
        }),
      );
      expect(e).toBeInstanceOf(InvalidInputError);
      expect(e).toMatchObject({ code: 'INVALID_INPUT', field, rule });
      expect(e.message).not.toContain(secretName);
      expect(e.message).not.toContain(secretId);
      expect(deps.provider.calls.prepare).toBe(0);
      expect(deps.repository.all()).toEqual([]);
    },
  );

  it('gives identity rejections a zh-CN message too', async () => {
    const deps = makeVerificationDeps();
    const e = error(
      await new StartVerification(deps).execute({
        openid: TEST_OPENID,
        name: identity.name,
        idCardNumber: '11010519491231002Y',
        protocol: 'LEGACY',
        initiator: 'user',
        consent: { version: TEST_CONSENT_VERSION },
      }),
    );
    expect((e as InvalidInputError).messageZh).toMatch(/身份证/);
  });

  it('judges a birth date in the future by the clock', async () => {
    const deps = makeVerificationDeps();
    deps.clock.set('1949-12-30T00:00:00.000Z');
    await expect(start(deps)).rejects.toMatchObject({
      field: 'idCardNumber',
      rule: 'ID_BIRTH_DATE_IN_FUTURE',
    });
  });
});

describe('StartVerification admission (abuse limits asked after validation)', () => {
  const recording = (wait: number) => {
    const asked: { openid: string; idNumberHmac: string; clientAddress: string | null }[] = [];
    const admit = async ({ openid, idNumberHmac, clientAddress }: StartAdmissionRequest) => {
      asked.push({ openid, idNumberHmac, clientAddress });
      return wait;
    };
    return { asked, admit, recordMismatch: async () => {} };
  };

  it('never asks (so never counts) a start whose input is refused (attack: locking out an ID number with bad names)', async () => {
    const admission = recording(0);
    const deps = makeVerificationDeps({ admission });
    for (let i = 0; i < 15; i++) {
      const refused = error(
        await new StartVerification(deps).execute({
          openid: 'o_stranger',
          name: 'x1',
          idCardNumber: identity.idCardNumber,
          protocol: 'V2',
          initiator: 'user',
          consent: { version: TEST_CONSENT_VERSION },
        }),
      );
      expect(refused).toBeInstanceOf(InvalidInputError);
    }
    expect(admission.asked).toEqual([]);
    expect(deps.provider.calls.prepare).toBe(0);
  });

  it('asks with the openid and the ID number HMAC, and a refusal is RATE_LIMITED with nothing sent or stored', async () => {
    const admission = recording(42);
    const deps = makeVerificationDeps({ admission });
    const refused = error(
      await new StartVerification(deps).execute({
        openid: TEST_OPENID,
        name: identity.name,
        idCardNumber: identity.idCardNumber.toLowerCase(),
        protocol: 'V2',
        initiator: 'user',
        consent: { version: TEST_CONSENT_VERSION },
      }),
    );
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 42 });
    expect(admission.asked).toEqual([
      {
        openid: TEST_OPENID,
        idNumberHmac: deps.digests.hmacHex('id-number', identity.idCardNumber),
        clientAddress: null,
      },
    ]);
    expect(deps.provider.calls.prepare).toBe(0);
    expect(deps.events.events).toEqual([]);
  });
});
