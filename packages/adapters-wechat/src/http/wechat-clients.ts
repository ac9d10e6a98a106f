import { UpstreamUnavailableError } from '@facegate/domain';
import type { WeChatApiClient } from './wechat-api-client';

/**
 * Each app's WeChat client (its appid, secret and access-token cache). `forApp` throws
 * UpstreamUnavailableError for an app without one (removed from the configuration while a session was open):
 * the call is not made, and nothing is counted as an attempt.
 */
export interface WeChatClients<C = WeChatApiClient> {
  forApp(app: string): C;
}

/** Every app's calls to one client: a deployment of one mini program, and unit tests. */
export function clientsOf<C extends object>(clients: C | WeChatClients<C>): WeChatClients<C> {
  return 'forApp' in clients && typeof clients.forApp === 'function'
    ? (clients as WeChatClients<C>)
    : { forApp: () => clients as C };
}

/** Clients by app slug, from a map the caller keeps current. */
export class WeChatClientsByApp<C = WeChatApiClient> implements WeChatClients<C> {
  constructor(private readonly byApp: ReadonlyMap<string, C>) {}

  forApp(app: string): C {
    const client = this.byApp.get(app);
    if (client === undefined)
      throw new UpstreamUnavailableError('no WeChat credentials are configured for this app');
    return client;
  }
}
