/**
 * Retention at scale: 100,000 sessions past the retention period are redacted in bounded set-based batches
 * while users keep confirming, on PostgreSQL. The batches skip rows others hold and are short statements, so
 * confirmations go on; the console's overview of those days does not change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../src/composition/tokens';
import { fullFlow } from './support/flows';
import { startTestGateway, type TestGateway } from './support/test-gateway';

const SEEDED = 100_000;

describe('retention redacts 100,000 expired sessions without blocking confirmations (PostgreSQL)', () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway({ database: 'postgres', env: { FACEGATE_RETENTION_DAYS: '30' } });
    const db = t.container.resolve(TOKENS.Database);
    // 100,000 ended sessions 40 to 60 days old, as the use cases leave them (statuses mixed, one receipt id each)
    await db.exec(`
      INSERT INTO verification_sessions (id, protocol, status, openid, liveness_type, observed_liveness, masked_name,
        masked_id_card_number, id_number_hmac, binding_sealed, attempts, max_attempts, last_error, created_at,
        expires_at, verified_at, ended_at, client_reference_id, initiator, consent_receipt_id, guardian_required,
        cancel_reason, version)
      SELECT 'vs_old_' || n, 'V2', (ARRAY['VERIFIED','FAILED','CANCELED','EXPIRED'])[1 + n % 4], 'o_old_' || (n % 5000),
        NULL, NULL, '张*', '1101**********002X', md5(n::text) || md5((n + 1)::text), NULL, 1, 3, NULL,
        now() - interval '60 days' + (n * interval '17 seconds'),
        now() - interval '60 days' + (n * interval '17 seconds') + interval '30 minutes',
        CASE WHEN n % 4 = 0 THEN now() - interval '60 days' + (n * interval '17 seconds') + interval '1 minute' END,
        now() - interval '60 days' + (n * interval '17 seconds') + interval '1 minute',
        'order-old-' || n, 'user', 'cr_old_' || n, false,
        CASE WHEN n % 4 = 2 THEN 'REQUESTED' END, 2
      FROM generate_series(1, ${SEEDED}) AS n;
      ANALYZE verification_sessions;
    `);
  }, 600_000);

  afterAll(async () => {
    await t?.close();
  });

  it('redacts every one in batches while users confirm, and the overview of those days stays the same', async () => {
    const overview = async () => {
      const key = await t.createApiKey(['console:read']);
      const body = await t.gql(
        `query($from: DateTime!, $to: DateTime!) { consoleOverview(from: $from, to: $to, bucket: DAY) {
          total { started verified failed canceled expired } } }`,
        {
          from: new Date(Date.now() - 62 * 86_400_000).toISOString(),
          to: new Date(Date.now() - 35 * 86_400_000).toISOString(),
        },
        key,
      );
      return body.body.data;
    };
    const before = await overview();
    expect(before?.consoleOverview.total.started).toBe(SEEDED);

    const sweep = t.container.resolve(TOKENS.RedactExpiredSessions);
    let swept = 0;
    let batches = 0;
    let sweeping = true;
    const sweeper = (async () => {
      for (;;) {
        const { redacted, more } = await sweep.execute();
        swept += redacted;
        batches++;
        if (!more) break;
      }
      sweeping = false;
    })();

    // users keep starting and confirming for as long as the sweep runs
    const confirmations: number[] = [];
    let n = 0;
    while (sweeping) {
      const began = performance.now();
      const { session } = await fullFlow(t, `o_live_${n++}`, 'V2');
      confirmations.push(performance.now() - began);
      expect(session?.status).toBe('VERIFIED');
    }
    await sweeper;

    expect(swept).toBe(SEEDED);
    expect(batches).toBeGreaterThanOrEqual(SEEDED / 500);
    expect(confirmations.length).toBeGreaterThan(0);
    // never held behind the sweep: each whole flow (sign-in, start, device, confirm) well within a request timeout
    expect(Math.max(...confirmations)).toBeLessThan(5_000);

    const db = t.container.resolve(TOKENS.Database);
    const left = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM verification_sessions WHERE id LIKE 'vs_old_%' AND (redacted_at IS NULL OR openid <> '' OR client_reference_id IS NOT NULL)`,
    );
    expect(Number(left[0]!.n)).toBe(0);
    // the live sessions, ended minutes ago, keep their data
    const live = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM verification_sessions WHERE openid LIKE 'o_live_%' AND redacted_at IS NULL`,
    );
    expect(Number(live[0]!.n)).toBe(confirmations.length);
    expect(await overview()).toEqual(before);
  }, 900_000);
});
