import { ApiKeyService } from '../application/auth/api-key.service';
import { ANONYMOUS, REJECTED_API_KEY, REJECTED_USER_TOKEN, type Viewer } from '../application/auth/viewer';
import type { KeyAttemptLimiter } from '../application/console/key-attempt-limiter';
import type { GatewayServices } from '../graphql/context';
import { rateLimited } from '../graphql/errors';

const viewers = new WeakMap<Request, Promise<Viewer>>();

/** Resolved once per request (the persisted-operations check and the context both need it). */
export function viewerOf(request: Request, services: GatewayServices): Promise<Viewer> {
  let viewer = viewers.get(request);
  if (viewer === undefined) {
    viewer = resolveViewer(request, services);
    viewers.set(request, viewer);
  }
  return viewer;
}

function credentialOf(request: Request): string | undefined {
  const authorization = request.headers.get('authorization');
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ?? (request.headers.get('x-api-key')?.trim() || undefined);
}

async function resolveViewer(request: Request, services: GatewayServices): Promise<Viewer> {
  const credential = credentialOf(request);
  if (!credential) return ANONYMOUS;
  if (ApiKeyService.looksLikeApiKey(credential)) {
    return (await services.apiKeys.authenticate(credential)) ?? REJECTED_API_KEY;
  }
  const claims = services.userTokens.verify(credential, services.clock.now());
  return claims ? { kind: 'user', openid: claims.openid, app: claims.app } : REJECTED_USER_TOKEN;
}

/**
 * The viewer, with failed API-key attempts limited per client address: an address over its limit has every
 * key refused (RATE_LIMITED) before it is checked, so further guesses learn nothing.
 */
export async function limitedViewerOf(
  request: Request,
  clientAddress: string,
  services: GatewayServices,
  keyAttempts: KeyAttemptLimiter,
): Promise<Viewer> {
  const credential = credentialOf(request);
  if (credential === undefined || !ApiKeyService.looksLikeApiKey(credential)) {
    return viewerOf(request, services);
  }
  const wait = keyAttempts.retryAfterSeconds(clientAddress);
  if (wait > 0) throw rateLimited(wait);
  const viewer = await viewerOf(request, services);
  if (viewer.kind === 'anonymous') {
    keyAttempts.recordFailure(clientAddress);
    // counted per address and minute: one audit row each, however many tries
    services.audit.refusedKey(clientAddress);
  }
  return viewer;
}
