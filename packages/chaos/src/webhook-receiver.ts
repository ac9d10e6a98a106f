import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '@facegate/adapters-postgres';
import type { Check, StoredSession } from './checks';

interface Receipt {
  readonly id: string;
  readonly sessionId: string;
  readonly status: string;
  readonly accepted: boolean;
  readonly order: number;
}

/**
 * The webhook receiver of a chaos run: a real HTTP server on loopback that fails the first arrival of a
 * share of messages (HTTP 500) and accepts every later one, so retries happen without outlasting the run.
 */
export class ChaosWebhookReceiver {
  readonly receipts: Receipt[] = [];
  private readonly seen = new Set<string>();
  private server: Server | null = null;
  url = '';

  constructor(
    private readonly firstArrivalFaultRate: number,
    private readonly random: () => number,
  ) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(req.headers['webhook-id'] ?? '');
        let sessionId = '';
        let status = '';
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            data?: { id?: string; status?: string };
          };
          sessionId = body.data?.id ?? '';
          status = body.data?.status ?? '';
        } catch {
          // counted as a receipt without a session; the checks report it as unknown
        }
        const first = !this.seen.has(id);
        this.seen.add(id);
        const accepted = !(first && this.random() < this.firstArrivalFaultRate);
        this.receipts.push({ id, sessionId, status, accepted, order: this.receipts.length });
        res.writeHead(accepted ? 200 : 500).end(accepted ? 'ok' : 'try again');
      });
    });
    server.keepAliveTimeout = 2_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/facegate-webhooks`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export interface WebhookFacts {
  readonly events: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly retried: number;
  readonly failedDeliveries: number;
  readonly orderViolations: number;
  readonly finalStatesWithoutWebhook: number;
  readonly drainMs: number;
  readonly examples: Record<string, string[]>;
}

/**
 * Waits (up to `timeoutMs`) until the outbox is fanned out and no delivery is pending, then compares the
 * outbox with what the receiver accepted: every event once at least (lost = none accepted), extra
 * acceptances (duplicated: at least once allows them), order per session, and each session's final state
 * announced.
 */
export async function readWebhookFacts(
  databaseUrl: string,
  receiver: ChaosWebhookReceiver,
  stored: readonly StoredSession[],
  timeoutMs: number,
): Promise<WebhookFacts> {
  const db = await openDatabase({ url: databaseUrl });
  const began = Date.now();
  try {
    for (;;) {
      const [left] = await db.query<{ n: number }>(
        `SELECT ((SELECT count(*) FROM event_outbox o JOIN outbox_positions c ON c.consumer = 'webhooks'
                  WHERE o.id > c.position OR o.id = ANY(c.gap_ids))
               + (SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING'))::int AS n`,
      );
      if ((left?.n ?? 0) === 0 || Date.now() - began > timeoutMs) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const drainMs = Date.now() - began;
    const rows = await db.query<{
      event_id: string;
      session_id: string;
      delivery_id: string | null;
      status: string | null;
    }>(
      `SELECT o.id::text AS event_id, o.session_id, d.id AS delivery_id, d.status
       FROM event_outbox o LEFT JOIN webhook_deliveries d ON d.event_id = o.id ORDER BY o.id`,
    );
    const acceptedCount = new Map<string, number>();
    const firstAccepted = new Map<string, number>();
    for (const r of receiver.receipts) {
      if (!r.accepted) continue;
      acceptedCount.set(r.id, (acceptedCount.get(r.id) ?? 0) + 1);
      if (!firstAccepted.has(r.id)) firstAccepted.set(r.id, r.order);
    }
    const examples: Record<string, string[]> = { lost: [], order: [], final: [] };
    let lost = 0;
    let failedDeliveries = 0;
    const bySession = new Map<string, { eventId: number; at: number }[]>();
    for (const row of rows) {
      if (row.status === 'FAILED') failedDeliveries += 1;
      const at = row.delivery_id === null ? undefined : firstAccepted.get(row.delivery_id);
      if (at === undefined) {
        lost += 1;
        if (examples.lost!.length < 5)
          examples.lost!.push(`event ${row.event_id} of ${row.session_id} (${row.status ?? 'no delivery'})`);
        continue;
      }
      const list = bySession.get(row.session_id) ?? [];
      list.push({ eventId: Number(row.event_id), at });
      bySession.set(row.session_id, list);
    }
    let orderViolations = 0;
    for (const [sessionId, list] of bySession) {
      const byEvent = [...list].sort((a, b) => a.eventId - b.eventId);
      if (byEvent.some((e, i) => i > 0 && e.at < byEvent[i - 1]!.at)) {
        orderViolations += 1;
        if (examples.order!.length < 5) examples.order!.push(sessionId);
      }
    }
    const announced = new Set(
      receiver.receipts.filter((r) => r.accepted).map((r) => `${r.sessionId}:${r.status}`),
    );
    let finalStatesWithoutWebhook = 0;
    for (const s of stored) {
      if (!announced.has(`${s.id}:${s.status}`)) {
        finalStatesWithoutWebhook += 1;
        if (examples.final!.length < 5) examples.final!.push(`${s.id} ${s.status}`);
      }
    }
    const duplicated = [...acceptedCount.values()].reduce((n, c) => n + c - 1, 0);
    return {
      events: rows.length,
      delivered: rows.length - lost,
      lost,
      duplicated,
      retried: receiver.receipts.filter((r) => !r.accepted).length,
      failedDeliveries,
      orderViolations,
      finalStatesWithoutWebhook,
      drainMs,
      examples,
    };
  } finally {
    await db.close();
  }
}

/** The webhook checks: nothing lost, order per session kept, every final state announced. */
export function webhookChecks(facts: WebhookFacts): Check[] {
  return [
    {
      name: 'webhooks: every outbox event delivered at least once',
      ok: facts.lost === 0 && facts.events > 0,
      value: `${facts.events} events, ${facts.delivered} delivered, ${facts.lost} lost, ${facts.duplicated} duplicated, ${facts.retried} first arrivals refused and retried (drained in ${facts.drainMs} ms)`,
      examples: facts.examples.lost ?? [],
      headline: true,
    },
    {
      name: 'webhooks: in order per session',
      ok: facts.orderViolations === 0,
      value: `${facts.orderViolations} sessions out of order`,
      examples: facts.examples.order ?? [],
      headline: true,
    },
    {
      name: "webhooks: each session's final state announced",
      ok: facts.finalStatesWithoutWebhook === 0,
      value: `${facts.finalStatesWithoutWebhook} sessions whose final state no webhook announced; ${facts.failedDeliveries} deliveries FAILED`,
      examples: facts.examples.final ?? [],
      headline: false,
    },
  ];
}
