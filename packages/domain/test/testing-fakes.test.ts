import { ConfirmVerification, certHashInput, EvidenceInProgressError } from '@facegate/domain';
import {
  anEventFor,
  aSessionSnapshot,
  emptyLegacyInfo,
  FakeFaceVerificationProvider,
  FakeIdentityDigests,
  FixedClock,
  makeVerificationDeps,
  RecordingEventPublisher,
  SequentialIdGenerator,
  TEST_OPENID,
} from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';
import { confirm, error, identity, start } from './support/flows';

describe('the testing fakes', () => {
  it('FixedClock moves only when told', () => {
    const clock = new FixedClock('2030-01-01T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(clock.advance(1500).toISOString()).toBe('2030-01-01T00:00:01.500Z');
    clock.set(new Date(0));
    expect(clock.now().getTime()).toBe(0);
  });

  it('SequentialIdGenerator gives valid out_seq_no values, optionally prefixed', () => {
    const ids = new SequentialIdGenerator('t1_');
    expect([ids.sessionId(), ids.sessionId(), ids.outSeqNo()]).toEqual([
      't1_ses_000001',
      't1_ses_000002',
      't1_seq000001',
    ]);
    expect(ids.outSeqNo()).toMatch(/^[0-9A-Za-z_-]{5,32}$/);
  });

  it('RecordingEventPublisher records and clears', async () => {
    const events = new RecordingEventPublisher();
    await events.publish({
      type: 'verification.updated',
      sessionId: 'a',
      app: 'default',
      status: 'PENDING',
      attempts: 0,
      occurredAt: new Date(0),
    });
    expect(events.of('a')).toHaveLength(1);
    events.clear();
    expect(events.events).toEqual([]);
  });

  it('FakeIdentityDigests keys its HMAC by secret and purpose', () => {
    const a = new FakeIdentityDigests('one');
    expect(a.hmacHex('evidence', 'x')).not.toBe(a.hmacHex('id-number', 'x'));
    expect(a.hmacHex('evidence', 'x')).not.toBe(new FakeIdentityDigests('two').hmacHex('evidence', 'x'));
    expect(a.hmacHex('openid', 'x')).toBe(new FakeIdentityDigests('one').hmacHex('openid', 'x'));
  });

  it('FakeFaceVerificationProvider answers queryverifyinfo like WeChat: a binding mismatch is an errcode', async () => {
    const provider = new FakeFaceVerificationProvider();
    const digests = new FakeIdentityDigests();
    const prepared = await provider.prepare({
      protocol: 'V2',
      app: 'default',
      openid: TEST_OPENID,
      outSeqNo: 'seq1',
      name: identity.name,
      idCardNumber: identity.idCardNumber,
    });
    const query = {
      app: 'default',
      verifyId: prepared.verifyId!,
      outSeqNo: 'seq1',
      certHash: digests.sha256Hex(certHashInput('IDENTITY_CARD', identity.name, identity.idCardNumber)),
      openid: TEST_OPENID,
    };
    expect(await provider.fetchV2Result(query)).toEqual({ errcode: 0, verifyRet: 10000 });
    for (const wrong of [{ openid: 'o_x' }, { outSeqNo: 'seq2' }, { certHash: 'ab' }, { verifyId: 'nope' }]) {
      expect(await provider.fetchV2Result({ ...query, ...wrong })).toEqual({
        errcode: 84001,
        verifyRet: null,
      });
    }
    provider.scriptLegacyResult((verifyResult) => ({ ...emptyLegacyInfo(0), openid: verifyResult }));
    expect((await provider.fetchLegacyResult('vr', 'card')).openid).toBe('vr');
    expect(provider.legacyQueryApps).toEqual(['card']);
    expect(provider.calls).toEqual({ prepare: 1, fetchLegacyResult: 1, fetchV2Result: 5 });
  });

  it('makeVerificationDeps keeps overridden members and merges settings', () => {
    const events = new RecordingEventPublisher();
    const deps = makeVerificationDeps({ events, settings: { maxAttempts: 5 } });
    expect(deps.events).toBe(events);
    expect(deps.settings).toMatchObject({ maxAttempts: 5, sessionTtlMs: 1_800_000 });
  });
});

describe('waiting for busy evidence', () => {
  it('uses real timers when no sleep is injected', async () => {
    const { sleep: _sleep, ...deps } = makeVerificationDeps({ settings: { busyWaitMs: 30 } });
    const session = await start(deps);
    const verifyResult = deps.provider.issueLegacyEvidence({ openid: TEST_OPENID, ...identity });
    const evidenceHash = deps.digests.hmacHex('evidence', `legacy:${verifyResult}`);
    await deps.repository.claimEvidence({
      evidenceHash,
      sessionId: session.id,
      now: deps.clock.now(),
      leaseMs: 60_000,
    });
    const e = error(await new ConfirmVerification(deps).execute({ sessionId: session.id, verifyResult }));
    expect(e).toBeInstanceOf(EvidenceInProgressError);
  });

  it('also waits when an ended session sees its evidence in flight', async () => {
    const deps = makeVerificationDeps({ settings: { busyWaitMs: 400 } });
    const canceled = aSessionSnapshot({ status: 'CANCELED', binding: null, endedAt: deps.clock.now() });
    await deps.repository.insert(canceled, anEventFor(canceled));
    const evidenceHash = deps.digests.hmacHex('evidence', 'legacy:vr');
    await deps.repository.claimEvidence({
      evidenceHash,
      sessionId: 'ses_test_000001',
      now: deps.clock.now(),
      leaseMs: 60_000,
    });
    expect(error(await confirm(deps, { sessionId: 'ses_test_000001', verifyResult: 'vr' }))).toBeInstanceOf(
      EvidenceInProgressError,
    );
    expect(deps.sleeps).toEqual([200, 200]);
  });
});
