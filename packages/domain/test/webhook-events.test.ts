import { describe, expect, it } from 'vitest';
import { type OutboxEventRow, WEBHOOK_EVENT_TYPES, webhookOf, webhookTypeOf } from '../src/index';

/** An outbox row as the session repository writes it: the event's wire form and the session's details. */
const row = (
  payload: Record<string, unknown>,
  sessionDetails: Record<string, unknown> | null = {},
): OutboxEventRow => ({
  id: 41,
  eventType: 'verification.updated',
  sessionId: 'vs_01',
  payload: { type: 'verification.updated', sessionId: 'vs_01', ...payload },
  sessionDetails,
  createdAt: new Date('2025-06-01T00:00:09.000Z'),
});

/** What PostgreSQL's jsonb_build_object makes of the session row (timestamps with an offset). */
const DETAILS = {
  protocol: 'V2',
  openid: 'o_buyer_7',
  maxAttempts: 3,
  lastError: null,
  createdAt: '2025-06-01T08:00:00+08:00',
  expiresAt: '2025-06-01T08:10:00+08:00',
  verifiedAt: null,
  endedAt: null,
  clientReferenceId: 'order-7',
};

const body = (described: { body: string } | null) => JSON.parse(described!.body) as Record<string, unknown>;

describe('which session change becomes which webhook event', () => {
  it.each([
    ['PENDING', 0, 'verification.started'],
    ['PENDING', 1, 'verification.attempt_failed'],
    ['PENDING', 2, 'verification.attempt_failed'],
    ['VERIFIED', 0, 'verification.verified'],
    ['VERIFIED', 1, 'verification.verified'],
    ['FAILED', 3, 'verification.failed'],
    ['CANCELED', 0, 'verification.canceled'],
    ['CANCELED', 2, 'verification.canceled'],
    ['EXPIRED', 0, 'verification.expired'],
    ['EXPIRED', 1, 'verification.expired'],
  ])('%s after %i attempts is %s', (status, attempts, type) => {
    expect(webhookTypeOf(status, attempts)).toBe(type);
  });

  it('anything else is no webhook event', () => {
    expect(webhookTypeOf('UNKNOWN', 0)).toBeNull();
    expect(webhookTypeOf('', 1)).toBeNull();
    expect(webhookTypeOf('pending', 0)).toBeNull();
  });

  it('endpoints subscribe to exactly these types', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual([
      'verification.started',
      'verification.verified',
      'verification.failed',
      'verification.canceled',
      'verification.expired',
      'verification.attempt_failed',
      'verification.redacted',
    ]);
  });
});

describe('the webhook payload of an outbox event', () => {
  it('a start: ids, status, protocol, openid, counts and dates in UTC, no failure', () => {
    const described = webhookOf(
      row({ status: 'PENDING', attempts: 0, occurredAt: '2025-06-01T00:00:05.000Z' }, DETAILS),
    );
    expect(described?.type).toBe('verification.started');
    // an event written before apps existed belongs to the default app
    expect(described?.app).toBe('default');
    // the exact bytes that are signed and sent
    expect(described?.body).toBe(
      '{"type":"verification.started","timestamp":"2025-06-01T00:00:05.000Z","data":{"id":"vs_01","app":"default",' +
        '"status":"PENDING","protocol":"V2","openid":"o_buyer_7","attempt":0,"maxAttempts":3,"failure":null,' +
        '"clientReferenceId":"order-7","consentReceiptId":null,"cancelReason":null,"redactedAt":null,' +
        '"createdAt":"2025-06-01T00:00:00.000Z","expiresAt":"2025-06-01T00:10:00.000Z",' +
        '"verifiedAt":null,"endedAt":null}}',
    );
  });

  it('a failed attempt carries the code, its English reason, and the retryable verdict stored on the session', () => {
    const described = webhookOf(
      row(
        { status: 'PENDING', attempts: 1, occurredAt: '2025-06-01T00:01:00.000Z' },
        {
          ...DETAILS,
          lastError: { code: 'FACE_MISMATCH', retryable: true, upstreamCode: 90014, rule: 'verify_ret' },
        },
      ),
    );
    expect(described?.type).toBe('verification.attempt_failed');
    expect(body(described).data).toMatchObject({
      attempt: 1,
      failure: {
        code: 'FACE_MISMATCH',
        reason: 'the face does not match the ID photo',
        retryable: true,
        upstreamCode: 90014,
      },
    });
  });

  it("the last attempt's failure is not retryable although its code is: the session's verdict wins", () => {
    const described = webhookOf(
      row(
        { status: 'FAILED', attempts: 3, occurredAt: '2025-06-01T00:03:00.000Z' },
        {
          ...DETAILS,
          lastError: { code: 'FACE_MISMATCH', retryable: false, upstreamCode: 90014, rule: 'verify_ret' },
          endedAt: '2025-06-01T08:03:00+08:00',
        },
      ),
    );
    expect(described?.type).toBe('verification.failed');
    expect(body(described)).toEqual({
      type: 'verification.failed',
      timestamp: '2025-06-01T00:03:00.000Z',
      data: {
        id: 'vs_01',
        app: 'default',
        status: 'FAILED',
        protocol: 'V2',
        openid: 'o_buyer_7',
        attempt: 3,
        maxAttempts: 3,
        failure: {
          code: 'FACE_MISMATCH',
          reason: 'the face does not match the ID photo',
          retryable: false,
          upstreamCode: 90014,
        },
        clientReferenceId: 'order-7',
        consentReceiptId: null,
        cancelReason: null,
        redactedAt: null,
        createdAt: '2025-06-01T00:00:00.000Z',
        expiresAt: '2025-06-01T00:10:00.000Z',
        verifiedAt: null,
        endedAt: '2025-06-01T00:03:00.000Z',
      },
    });
  });

  it('a failure without a retryable flag, or without an upstream code, says false and null', () => {
    const described = webhookOf(
      row({ status: 'FAILED', attempts: 1 }, { ...DETAILS, lastError: { code: 'ID_NUMBER_MISMATCH' } }),
    );
    expect(body(described).data).toMatchObject({
      failure: {
        code: 'ID_NUMBER_MISMATCH',
        reason: 'the name and the ID number do not match',
        retryable: false,
        upstreamCode: null,
      },
    });
  });

  it('a verification names no failure even when an earlier attempt failed', () => {
    const described = webhookOf(
      row(
        { status: 'VERIFIED', attempts: 2, occurredAt: '2025-06-01T00:02:00.000Z' },
        {
          ...DETAILS,
          lastError: { code: 'FACE_MISMATCH', retryable: true, upstreamCode: 90014 },
          verifiedAt: '2025-06-01T08:02:00+08:00',
          endedAt: '2025-06-01T08:02:00+08:00',
        },
      ),
    );
    expect(described?.type).toBe('verification.verified');
    expect(body(described).data).toMatchObject({
      status: 'VERIFIED',
      attempt: 2,
      failure: null,
      verifiedAt: '2025-06-01T00:02:00.000Z',
      endedAt: '2025-06-01T00:02:00.000Z',
    });
  });

  it('an unknown failure code is left out rather than guessed', () => {
    const described = webhookOf(
      row(
        { status: 'FAILED', attempts: 1 },
        { ...DETAILS, lastError: { code: 'SOMETHING_NEW', retryable: true } },
      ),
    );
    expect(body(described).data).toMatchObject({ failure: null });
  });

  it('without details or a valid occurredAt: nulls, and the outbox row time as the timestamp', () => {
    const described = webhookOf(row({ status: 'CANCELED', attempts: 'two', occurredAt: 'not a date' }, null));
    expect(body(described)).toEqual({
      type: 'verification.canceled',
      timestamp: '2025-06-01T00:00:09.000Z',
      data: {
        id: 'vs_01',
        app: 'default',
        status: 'CANCELED',
        protocol: null,
        openid: null,
        attempt: 0,
        maxAttempts: null,
        failure: null,
        clientReferenceId: null,
        consentReceiptId: null,
        cancelReason: null,
        redactedAt: null,
        createdAt: null,
        expiresAt: null,
        verifiedAt: null,
        endedAt: null,
      },
    });
  });

  it('a redaction is verification.redacted: when, the receipt and the cancel reason kept, no openid or reference', () => {
    const described = webhookOf({
      ...row(
        { status: 'CANCELED', attempts: 0, occurredAt: '2025-06-02T00:00:00.000Z' },
        {
          ...DETAILS,
          openid: '',
          clientReferenceId: null,
          consentReceiptId: 'cr_01',
          cancelReason: 'SUBJECT_ERASED',
          redactedAt: '2025-06-02T08:00:00+08:00',
        },
      ),
      eventType: 'verification.redacted',
      payload: { type: 'verification.redacted', sessionId: 'vs_01', status: 'CANCELED', attempts: 0 },
    });
    expect(described?.type).toBe('verification.redacted');
    expect(body(described).data).toMatchObject({
      status: 'CANCELED',
      openid: null,
      clientReferenceId: null,
      consentReceiptId: 'cr_01',
      cancelReason: 'SUBJECT_ERASED',
      redactedAt: '2025-06-02T00:00:00.000Z',
    });
  });

  it('reads nothing else from the details: no name, ID number or evidence can reach the body', () => {
    const described = webhookOf(
      row(
        { status: 'PENDING', attempts: 0, name: '张三', idCardNumber: '11010519491231002X' },
        { ...DETAILS, name: '张三', idCardNumber: '11010519491231002X', verifyResult: 'vr_secret' },
      ),
    );
    expect(described!.body).not.toMatch(/张三|11010519491231002X|vr_secret/);
  });

  it('is null for anything that is not a session change with a known status', () => {
    expect(webhookOf({ ...row({ status: 'PENDING', attempts: 0 }), payload: null })).toBeNull();
    expect(webhookOf({ ...row({}), payload: { type: 'key.created', status: 'PENDING' } })).toBeNull();
    expect(webhookOf(row({ status: 3, attempts: 0 }))).toBeNull();
    expect(webhookOf(row({ status: 'ARCHIVED', attempts: 0 }))).toBeNull();
  });
});
