import { waitFor } from '@facegate/test-support';
import { SANDBOX_SCENARIOS } from '@facegate/wechat-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS } from '../src/composition/tokens';
import { confirm, PEOPLE, runDevice, start } from './support/flows';
import { type Json, startTestGateway, type TestGateway } from './support/test-gateway';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

const CONSOLE_SESSION = `query($id: ID!) { consoleSession(id: $id) { status lastErrorCode } }`;

/**
 * One definition of a failed attempt (the domain's lastError): what confirmVerification answers, what the
 * webhook for that attempt says and what the console shows must agree, for every way a session can end.
 */
describe('a failure reads the same in the API, the webhook and the console', () => {
  let t: TestGateway;
  let key: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    t = await startTestGateway({
      database: 'pglite',
      env: { FACEGATE_OUTBOX_POLL_MS: '50' },
      overrides: { webhookRelay: { intervalMs: 25, schedule: { delaysMs: [30], jitter: 0 } } },
    });
    key = await t.createApiKey(['webhooks:write', 'console:read']);
    receiver = await startWebhookReceiver();
    const created = await t.gql(
      'mutation($url: String!) { createWebhookEndpoint(url: $url, events: [VERIFICATION_ATTEMPT_FAILED, VERIFICATION_FAILED]) { endpoint { id } } }',
      { url: receiver.url },
      key,
    );
    expect(created.body.errors).toBeUndefined();
    t.container.resolve(TOKENS.WebhookRelay).start();
  });
  afterAll(async () => {
    await receiver?.close();
    await t?.close();
  });

  const failing = SANDBOX_SCENARIOS.filter((s) => s !== 'pass');
  it.each(
    failing.flatMap((scenario) => (['V2', 'LEGACY'] as const).map((protocol) => ({ scenario, protocol }))),
  )('$scenario ($protocol): every attempt until the session ends', async ({ scenario, protocol }) => {
    const openid = `o_agree_${scenario}_${protocol}`;
    const token = await t.signIn(openid);
    const started = await start(t, token, { ...PEOPLE.li, protocol });
    expect(started.session, JSON.stringify(started.response.body.errors)).toBeDefined();
    let session: Json = started.session!;
    const answers: Json[] = [];
    while (session.status === 'PENDING' && answers.length < session.maxAttempts) {
      const confirmed = await confirm(t, token, runDevice(t, openid, session, scenario));
      expect(confirmed.session, JSON.stringify(confirmed.response.body.errors)).toBeDefined();
      session = { ...session, ...confirmed.session! };
      answers.push(confirmed.session!);
    }
    // at least the last answer ended the session or used up the attempts
    expect(answers.length).toBeGreaterThan(0);
    const failures = answers.filter((a) => a.lastError !== null);
    await waitFor('a webhook for each failed attempt', () => {
      const mine = receiver.accepted().filter((r) => r.json?.data?.id === session.id);
      return mine.length >= failures.length;
    });
    const hooks = receiver.accepted().filter((r) => r.json?.data?.id === session.id);
    for (const answer of failures) {
      const hook = hooks.find((h) => h.json.data.attempt === answer.attempts);
      expect(hook, `webhook for attempt ${answer.attempts}`).toBeDefined();
      expect(hook!.json.type).toBe(
        answer.status === 'FAILED' ? 'verification.failed' : 'verification.attempt_failed',
      );
      expect(hook!.json.data.failure).toMatchObject({
        code: answer.lastError.code,
        retryable: answer.lastError.retryable,
        upstreamCode: answer.lastError.upstreamCode,
      });
    }
    const last = answers.at(-1)!;
    if (last.status === 'FAILED') expect(last.lastError.retryable).toBe(false);
    const shown = await t.gql(CONSOLE_SESSION, { id: session.id }, key);
    expect(shown.body.data?.consoleSession).toEqual({
      status: last.status,
      lastErrorCode: last.lastError?.code ?? null,
    });
  });
});
