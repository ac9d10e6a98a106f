import type { Plugin } from 'graphql-yoga';

/**
 * Headers for every response: no MIME sniffing, no framing, no referrer, and nothing cached (GraphQL
 * answers carry tokens and personal state). HSTS only in production, where TLS is expected in front.
 */
export function securityHeadersPlugin(options: { production: boolean }): Plugin {
  return {
    onResponse({ response }) {
      const headers = response.headers;
      headers.set('x-content-type-options', 'nosniff');
      headers.set('x-frame-options', 'DENY');
      headers.set('referrer-policy', 'no-referrer');
      if (!headers.has('cache-control')) headers.set('cache-control', 'no-store');
      if (options.production) headers.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
    },
  };
}
