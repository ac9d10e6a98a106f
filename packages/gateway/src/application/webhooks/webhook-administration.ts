import {
  EVERY_ENDPOINT_OWNER,
  ok,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
} from '@facegate/domain';
import type { EndpointWithSecret, WebhookEndpointsService, WebhookResult } from './webhook-endpoints.service';

/** Who owns what the CLI adds: no API key manages it; the console's admins and the CLI do. */
export const CLI_ENDPOINT_OWNER = 'cli';

/** How many of an endpoint's latest deliveries `facegate webhooks deliveries` shows. */
export const CLI_DELIVERIES_SHOWN = 100;

/**
 * What `facegate webhooks` does, as the server's operator: every endpoint, whichever API key created it. It
 * runs on the database directly, or through the admin endpoint of the gateway that holds the embedded one;
 * both answer with the same values and the same expected failures (a WebhookError, by its `code`).
 */
export interface WebhookAdministration {
  add(input: {
    url: string;
    events: readonly string[];
    description: string;
    /** The apps whose sessions it is told of; null or omitted: every app. */
    apps?: readonly string[] | null;
  }): Promise<WebhookResult<EndpointWithSecret>>;
  list(): Promise<WebhookEndpoint[]>;
  rotate(endpointId: string): Promise<WebhookResult<EndpointWithSecret>>;
  setEnabled(endpointId: string, enabled: boolean): Promise<WebhookResult<WebhookEndpoint>>;
  delete(endpointId: string): Promise<WebhookResult<void>>;
  /** The latest CLI_DELIVERIES_SHOWN, newest first. */
  deliveries(
    endpointId: string,
    status: WebhookDeliveryStatus | null,
  ): Promise<WebhookResult<WebhookDelivery[]>>;
  redeliver(deliveryId: string): Promise<WebhookResult<WebhookDelivery>>;
}

/** The operator's webhook administration on the endpoint service (the CLI's own, and the admin endpoint's). */
export function operatorWebhooks(service: WebhookEndpointsService): WebhookAdministration {
  return {
    add: (input) => service.create({ ...input, createdBy: CLI_ENDPOINT_OWNER }),
    list: () => service.list(EVERY_ENDPOINT_OWNER),
    rotate: (id) => service.rotate(id, EVERY_ENDPOINT_OWNER),
    setEnabled: (id, enabled) => service.update(id, { enabled }, EVERY_ENDPOINT_OWNER),
    delete: (id) => service.delete(id, EVERY_ENDPOINT_OWNER),
    deliveries: async (endpointId, status) => {
      const page = await service.deliveries(
        endpointId,
        status,
        CLI_DELIVERIES_SHOWN,
        null,
        EVERY_ENDPOINT_OWNER,
      );
      return page.ok ? ok(page.value.items) : page;
    },
    redeliver: (id) => service.redeliver(id, EVERY_ENDPOINT_OWNER),
  };
}
