import { InMemoryWebhooks } from '@facegate/domain/testing';
import { webhookPortsContract } from '@facegate/domain/testing/webhook-ports-contract';

webhookPortsContract('the in-memory webhook fakes', async () => {
  const webhooks = new InMemoryWebhooks();
  return {
    endpoints: webhooks.endpoints,
    queue: webhooks.queue,
    log: webhooks.log,
    outbox: webhooks.outbox,
    appendOutboxEvent: async (event) => {
      webhooks.appendOutboxEvent({
        sessionId: event.sessionId,
        payload: { ...event, occurredAt: event.occurredAt.toISOString() },
        sessionDetails: null,
        createdAt: new Date(),
      });
    },
    close: async () => {},
  };
});
