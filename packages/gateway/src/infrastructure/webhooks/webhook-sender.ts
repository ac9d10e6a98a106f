import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { buildConnector, Client } from 'undici';
import { isNonPublicAddress } from './webhook-url-policy';

/**
 * What an attempt's error is stored as: a category, never the error's own text (a TLS error names the
 * certificate's hosts, a connect error the address: neither belongs in a row a webhooks:write key can read).
 * A non-2xx answer is `HTTP_<status>` (the relay names it).
 */
export const WEBHOOK_ERROR_CATEGORIES = [
  'TIMEOUT',
  'CONNECTION_REFUSED',
  'CONNECTION_CLOSED',
  'DNS_ERROR',
  'NETWORK_UNREACHABLE',
  'TLS_ERROR',
  'ADDRESS_NOT_ALLOWED',
  'RESPONSE_TOO_LARGE',
  'INVALID_RESPONSE',
  'REQUEST_FAILED',
  /** The caller's signal ended the attempt (the relay is stopping); never stored. */
  'ABORTED',
] as const;
export type WebhookErrorCategory = (typeof WEBHOOK_ERROR_CATEGORIES)[number];

export interface WebhookSendResult {
  /** Null when no answer came (refused address, connection error, timeout). */
  readonly statusCode: number | null;
  readonly latencyMs: number;
  /** The first bytes of the answer (bounded), only when it came from an address `keepExcerptFrom` allows. */
  readonly responseExcerpt: string | null;
  /** Why no answer came; null when one did. */
  readonly error: WebhookErrorCategory | null;
}

export interface WebhookSenderOptions {
  /** Whole-request deadline; default 10 s. */
  readonly timeoutMs?: number;
  /** Refuse to connect to non-public addresses (production). */
  readonly publicAddressesOnly: boolean;
  /** How much of an answer is kept; default 1,024 characters. */
  readonly excerptChars?: number;
  /** Certificate authorities trusted besides Node's own (a private CA); default none. */
  readonly ca?: string | readonly string[];
  /**
   * Whether an answer from this address (the one actually connected to) may be kept as the attempt's excerpt.
   * Default: public addresses only, as production allows. Outside production a webhook may reach loopback; a
   * local service's answer must not come back to whoever holds the endpoint (a readable SSRF).
   */
  readonly keepExcerptFrom?: (address: string) => boolean;
}

/** Thrown by the lookup hook and the connector; becomes ADDRESS_NOT_ALLOWED. */
class AddressNotAllowedError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_NOT_ALLOWED';
}

/**
 * Resolves like dns.lookup, then refuses non-public addresses. The socket connects to exactly the address
 * checked here (this is the connection's own lookup), so a DNS answer that changes between a check and the
 * connection (rebinding) cannot slip a private address through.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 4);
    const list = addresses ?? [];
    const refused = list.find((a) => isNonPublicAddress(a.address));
    if (list.length === 0 || refused !== undefined) {
      return callback(new AddressNotAllowedError(`${hostname} resolves to a non-public address`), '', 4);
    }
    if ((options as { all?: boolean }).all) {
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    }
    callback(null, list[0]!.address, list[0]!.family);
  });
};

const publicAddress = (address: string) => !isNonPublicAddress(address);

/**
 * POSTs signed webhook bodies with undici: no redirects followed, a hard timeout, bounded answers. Each attempt
 * has a connection of its own, so the address it reached is known for certain: under publicAddressesOnly a
 * socket that reached a non-public address is closed before anything is sent, and an answer's excerpt is
 * kept only from an address `keepExcerptFrom` allows.
 */
export class WebhookSender {
  private readonly connect: buildConnector.connector;
  private readonly timeoutMs: number;
  private readonly excerptChars: number;
  private readonly keepExcerptFrom: (address: string) => boolean;

  constructor(private readonly options: WebhookSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.excerptChars = options.excerptChars ?? 1_024;
    this.keepExcerptFrom = options.keepExcerptFrom ?? publicAddress;
    this.connect = buildConnector({
      timeout: this.timeoutMs,
      ...(options.publicAddressesOnly ? { lookup: publicOnlyLookup } : {}),
      ...(options.ca !== undefined ? { ca: [options.ca].flat() as string[] } : {}),
    } as buildConnector.BuildOptions);
  }

  /** One attempt. `signal` ends it early (the relay is stopping): the result's error is then ABORTED. */
  async send(
    url: string,
    headers: Record<string, string>,
    body: string,
    signal?: AbortSignal,
  ): Promise<WebhookSendResult> {
    const started = performance.now();
    const failed = (error: WebhookErrorCategory): WebhookSendResult => ({
      statusCode: null,
      latencyMs: performance.now() - started,
      responseExcerpt: null,
      error,
    });
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return failed('REQUEST_FAILED');
    }
    // a literal IP in the URL never passes through the lookup hook: check it here (the connector checks again)
    const literal = parsed.hostname.replace(/^\[|\]$/g, '');
    if (this.options.publicAddressesOnly && /^[\d.]+$|:/.test(literal) && isNonPublicAddress(literal)) {
      return { ...failed('ADDRESS_NOT_ALLOWED'), latencyMs: 0 };
    }
    let connectedTo: string | null = null;
    const publicOnly = this.options.publicAddressesOnly;
    const client = new Client(parsed.origin, {
      connect: (connectOptions, callback) => {
        this.connect(connectOptions, (error, socket) => {
          if (error !== null) return callback(error, null);
          const address = socket.remoteAddress ?? '';
          if (publicOnly && isNonPublicAddress(address)) {
            socket.destroy();
            return callback(new AddressNotAllowedError('connected to a non-public address'), null);
          }
          connectedTo = address;
          callback(null, socket);
        });
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await client.request({
        path: `${parsed.pathname}${parsed.search}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'FaceGate-Webhooks/1', ...headers },
        body,
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
        // redirects are answers, never followed (undici's request follows none without the interceptor)
      });
      const keep = connectedTo !== null && this.keepExcerptFrom(connectedTo);
      let excerpt: string | null = null;
      if (keep) excerpt = await readExcerpt(response.body, this.excerptChars);
      else discard(response.body);
      return {
        statusCode: response.statusCode,
        latencyMs: performance.now() - started,
        responseExcerpt: excerpt,
        error: null,
      };
    } catch (error) {
      if (signal?.aborted && !timeout.aborted) return failed('ABORTED');
      return failed(timeout.aborted ? 'TIMEOUT' : categorizeSendError(error));
    } finally {
      client.destroy().catch(() => {
        // already closed
      });
    }
  }

  /** Nothing is pooled between attempts; kept so callers need not know. */
  async close(): Promise<void> {}
}

type Body = AsyncIterable<Buffer> & { destroy(): void; on(event: 'error', listener: () => void): void };

/** Stops reading an answer; destroying it emits an abort error, which nobody needs to hear. */
function discard(body: Body): void {
  body.on('error', () => {});
  body.destroy();
}

async function readExcerpt(body: Body, chars: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= chars * 4) break;
  }
  discard(body);
  return Buffer.concat(chunks).toString('utf8').slice(0, chars);
}

const TLS_CODES = new Set([
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'HOSTNAME_MISMATCH',
]);

/** The category of a failed request: read from error codes only, never from a message. */
export function categorizeSendError(error: unknown): WebhookErrorCategory {
  const codes: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== null && typeof e === 'object'; depth++) {
    if (e instanceof AddressNotAllowedError) return 'ADDRESS_NOT_ALLOWED';
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  const has = (test: (code: string) => boolean) => codes.some(test);
  if (has((c) => c === 'WEBHOOK_ADDRESS_NOT_ALLOWED')) return 'ADDRESS_NOT_ALLOWED';
  if (has((c) => TLS_CODES.has(c) || /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_)/.test(c) || c.includes('_CERT'))) {
    return 'TLS_ERROR';
  }
  if (has((c) => /^(UND_ERR_(CONNECT|HEADERS|BODY)_TIMEOUT|ETIMEDOUT|ABORT_ERR)$/.test(c))) return 'TIMEOUT';
  if (has((c) => c === 'ECONNREFUSED')) return 'CONNECTION_REFUSED';
  if (has((c) => /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME|EAI_NODATA|ENODATA)$/.test(c)))
    return 'DNS_ERROR';
  if (has((c) => /^(ENETUNREACH|EHOSTUNREACH|EHOSTDOWN|ENETDOWN|EADDRNOTAVAIL)$/.test(c))) {
    return 'NETWORK_UNREACHABLE';
  }
  if (has((c) => c === 'UND_ERR_HEADERS_OVERFLOW' || c === 'UND_ERR_RES_EXCEEDED_MAX_SIZE')) {
    return 'RESPONSE_TOO_LARGE';
  }
  if (has((c) => /^(ECONNRESET|EPIPE|ECONNABORTED|UND_ERR_SOCKET|UND_ERR_CLOSED)$/.test(c))) {
    return 'CONNECTION_CLOSED';
  }
  if (
    has((c) => c.startsWith('HPE_') || c === 'UND_ERR_INFO' || c === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')
  ) {
    return 'INVALID_RESPONSE';
  }
  return 'REQUEST_FAILED';
}
