import { Pool } from 'undici';

/** Plain JSON over a keep-alive pool, for setting things up (not for measuring). */
export class JsonClient {
  private readonly pool: Pool;

  constructor(
    readonly origin: string,
    connections = 64,
  ) {
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async get<T>(path: string): Promise<T> {
    const response = await this.pool.request({ method: 'GET', path });
    return this.read<T>(path, response.statusCode, await response.body.text());
  }

  async post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await this.pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return this.read<T>(path, response.statusCode, await response.body.text());
  }

  /** Raw text (for /metrics). */
  async text(path: string): Promise<string> {
    const response = await this.pool.request({ method: 'GET', path });
    return response.body.text();
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private read<T>(path: string, status: number, text: string): T {
    if (status >= 400)
      throw new Error(`${this.origin}${path} answered HTTP ${status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }
}

/** Runs `fn` over `items` with at most `concurrency` at a time; results in input order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
