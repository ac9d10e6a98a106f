import { type AuditEvent, canonicalJson, parseActor } from '@facegate/domain';
import { builder } from '../builder';
import { DateTimeScalar } from '../date-time.scalar';

/** One row of the audit trail, with its place in the chain. */
export const AuditEventRef = builder.objectRef<AuditEvent>('AuditEvent').implement({
  description:
    'A row of the audit trail: who (actor) did what (action) to which ids (targets). hash = SHA-256(previousHash || canonical JSON of the row).',
  fields: (t) => ({
    sequence: t.string({
      description: "the row's place in the chain, a decimal integer (it outgrows GraphQL's 32-bit Int)",
      resolve: (e) => String(e.sequence),
    }),
    occurredAt: t.field({ type: DateTimeScalar, resolve: (e) => e.occurredAt }),
    actor: t.exposeString('actor', {
      description: 'key:<API key id>, console:<API key id>, cli:<user> or system',
    }),
    actorKind: t.string({
      description: 'api-key, console, cli or system (unknown for a label this version cannot read)',
      resolve: (e) => parseActor(e.actor, e.actorName)?.kind ?? 'unknown',
    }),
    actorName: t.exposeString('actorName', { nullable: true, description: "an API key's name" }),
    action: t.exposeString('action', { description: 'e.g. session.read, api-key.created, audit.checkpoint' }),
    targets: t.exposeStringList('targets', { description: 'kind:id, e.g. session:vs_..., api-key:...' }),
    requestId: t.exposeString('requestId', { nullable: true }),
    clientAddressHmac: t.exposeString('clientAddressHmac', {
      nullable: true,
      description: "a keyed HMAC of the client's address, never the address",
    }),
    outcome: t.exposeString('outcome', { description: 'success, not-found, refused or failure' }),
    details: t.string({
      description: 'what else was recorded, as canonical JSON (ids and counts, never contents)',
      resolve: (e) => canonicalJson(e.details),
    }),
    previousHash: t.exposeString('previousHash'),
    hash: t.exposeString('hash'),
  }),
});

export const AuditEventConnectionRef = builder
  .objectRef<{ items: readonly AuditEvent[]; hasNextPage: boolean }>('AuditEventConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({
        type: [AuditEventEdgeRef],
        resolve: (page) => page.items.map((node) => ({ node, cursor: encodeAuditCursor(node.sequence) })),
      }),
      pageInfo: t.field({
        type: AuditPageInfoRef,
        resolve: (page) => ({
          hasNextPage: page.hasNextPage,
          endCursor: page.items.length > 0 ? encodeAuditCursor(page.items.at(-1)!.sequence) : null,
        }),
      }),
    }),
  });

const AuditEventEdgeRef = builder
  .objectRef<{ node: AuditEvent; cursor: string }>('AuditEventEdge')
  .implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: AuditEventRef, resolve: (e) => e.node }),
    }),
  });

const AuditPageInfoRef = builder
  .objectRef<{ hasNextPage: boolean; endCursor: string | null }>('AuditPageInfo')
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });

/** A page position: the sequence, as `a<sequence>` (decodeAuditCursor accepts exactly this). */
export function encodeAuditCursor(sequence: number): string {
  return `a${sequence}`;
}

/** The sequence a cursor names, or null for anything encodeAuditCursor would not write. */
export function decodeAuditCursor(cursor: string): number | null {
  if (!/^a[1-9][0-9]{0,15}$/.test(cursor)) return null;
  const sequence = Number(cursor.slice(1));
  return Number.isSafeInteger(sequence) ? sequence : null;
}
