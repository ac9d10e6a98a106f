import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { isNonPublicAddress } from './webhook-url-policy';

export interface WebhookSendResult {
  /** Null when no answer came (refused address, connection error, timeout). */
  readonly statusCode: number | null;
  readonly latencyMs: number;
  /** The first bytes of the answer (bounded). */
  readonly responseExcerpt: string | null;
  readonly error: string | null;
}

export interface WebhookSenderOptions {
  /** Whole-request deadline; default 10 s. */
  readonly timeoutMs?: number;
  /** Refuse to connect to non-public addresses (production). */
  readonly publicAddressesOnly: boolean;
  /** How much of an answer is kept; default 1,024 characters. */
  readonly excerptChars?: number;
}

/** Thrown by the lookup hook; its message becomes the attempt's error. */
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

/** POSTs signed webhook bodies with undici: no redirects followed, a hard timeout, bounded answers. */
export class WebhookSender {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly excerptChars: number;

  constructor(private readonly options: WebhookSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.excerptChars = options.excerptChars ?? 1_024;
    this.agent = new Agent({
      connect: {
        timeout: this.timeoutMs,
        ...(options.publicAddressesOnly ? { lookup: publicOnlyLookup } : {}),
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connections: 64,
    });
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<WebhookSendResult> {
    const started = performance.now();
    const parsed = new URL(url);
    // a literal IP in the URL never passes through the lookup hook: check it here
    const literal = parsed.hostname.replace(/^\[|\]$/g, '');
    if (this.options.publicAddressesOnly && /^[\d.]+$|:/.test(literal) && isNonPublicAddress(literal)) {
      return { statusCode: null, latencyMs: 0, responseExcerpt: null, error: 'address not allowed' };
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', 'user-agent': 'FaceGate-Webhooks/1', ...headers },
        body,
        signal,
        // redirects are answers, never followed (undici's request follows none without the interceptor)
      });
      const excerpt = await readExcerpt(response.body, this.excerptChars);
      return {
        statusCode: response.statusCode,
        latencyMs: performance.now() - started,
        responseExcerpt: excerpt,
        error: null,
      };
    } catch (error) {
      return {
        statusCode: null,
        latencyMs: performance.now() - started,
        responseExcerpt: null,
        error: describeError(error, signal),
      };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

async function readExcerpt(
  body: AsyncIterable<Buffer> & { destroy(): void },
  chars: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= chars * 4) break;
  }
  body.destroy();
  return Buffer.concat(chunks).toString('utf8').slice(0, chars);
}

function describeError(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timed out';
  let e: unknown = error;
  for (let depth = 0; depth < 3 && e instanceof Error; depth++) {
    if (
      e instanceof AddressNotAllowedError ||
      (e as { code?: string }).code === 'WEBHOOK_ADDRESS_NOT_ALLOWED'
    ) {
      return 'address not allowed';
    }
    e = (e as { cause?: unknown }).cause;
  }
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return (code ? `${code}: ${message}` : message).slice(0, 300);
}
