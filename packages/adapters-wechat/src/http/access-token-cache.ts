import { LRUCache } from 'lru-cache';
import type { TokenValue } from './response-validators';

interface CachedToken {
  readonly token: string;
}

/**
 * Access tokens per appid, via lru-cache's fetchMethod: concurrent `get()`s on a cold or expired entry share
 * one in-flight fetch (one token request per appid however many callers wait).
 */
export class AccessTokenCache {
  private readonly cache: LRUCache<string, CachedToken>;
  private refreshing = false;

  constructor(
    private readonly key: string,
    fetchToken: () => Promise<TokenValue>,
    private readonly refreshMarginMs: number,
    now: () => number,
  ) {
    this.cache = new LRUCache<string, CachedToken>({
      max: 8,
      // lru-cache caches "now" for ttlResolution ms; 0 reads the clock each time, so an injected clock rules.
      ttlResolution: 0,
      perf: { now },
      fetchMethod: async (_key, _stale, { options }) => {
        this.refreshing = true;
        try {
          const fetched = await fetchToken();
          options.ttl = this.ttlFor(fetched.expiresInSeconds);
          return { token: fetched.accessToken };
        } finally {
          this.refreshing = false;
        }
      },
    });
  }

  /**
   * Renew `refreshMarginMs` before WeChat's expiry. stable_token keeps answering the same token until WeChat
   * itself renews it (5 minutes before expiry) and may then hand out one with as little as 300 s left; with
   * the default 300 s margin that would be a zero TTL (lru-cache reads 0 as "forever"), so never keep a token
   * for less than half its remaining life.
   */
  private ttlFor(expiresInSeconds: number): number {
    const lifetimeMs = expiresInSeconds * 1000;
    return Math.max(Math.floor(lifetimeMs / 2), lifetimeMs - this.refreshMarginMs, 1);
  }

  async get(): Promise<string> {
    const cached = await this.cache.fetch(this.key);
    // fetch() resolves undefined only when aborted, which this class never does; guard anyway.
    if (!cached) throw new Error('access token fetch was abandoned');
    return cached.token;
  }

  /**
   * Drop the cached token only if it is still the one that failed: callers whose requests carried an old
   * token must not throw away the fresh one another caller already fetched. While a refresh is in flight
   * nothing is dropped (deleting would abort it): late failures join that refresh instead of starting another.
   */
  invalidate(failedToken: string): boolean {
    if (this.refreshing) return false;
    const current = this.cache.peek(this.key);
    if (current?.token !== failedToken) return false;
    this.cache.delete(this.key);
    return true;
  }

  clear(): void {
    this.cache.clear();
  }
}
