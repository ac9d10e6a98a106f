import type { WeChatApiClient } from './wechat-api-client';

/**
 * Each app's WeChat client (its appid, secret and access-token cache). `forApp` throws
 * UpstreamUnavailableError for an app without one (removed from the configuration while a session was open):
 * the call is not made, and nothing is counted as an attempt. The gateway's AppCatalog implements it.
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
