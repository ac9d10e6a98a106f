import { createHmac } from 'node:crypto';
import type { AuditAction, AuditActor, AuditDetail, AuditOutcome, AuditTrail, Clock } from '@facegate/domain';
import { LRUCache } from 'lru-cache';
import type { Viewer } from '../auth/viewer';

/** Who made a request, as the audit trail names them. */
export interface AuditSource {
  readonly actor: AuditActor;
  readonly requestId: string | null;
  /** The client's address (its limiting key); stored only as a keyed HMAC. */
  readonly clientAddress: string | null;
}

/**
 * The actor of a request: a service's API key (id and name), or `console:<key id>` when the request came from
 * the operator console (its client header); null for users and anonymous callers, whose own reads and
 * attempts are not audited.
 */
export function requestActor(viewer: Viewer, viaConsole: boolean): AuditActor | null {
  if (viewer.kind !== 'service') return null;
  return viaConsole
    ? { kind: 'console', keyId: viewer.keyId }
    : { kind: 'api-key', keyId: viewer.keyId, name: viewer.name };
}

/**
 * Records audit events with the request's actor, request id and client address HMAC. The HMAC of an address
 * is computed once and cached (a busy service's requests cost a map look-up, not an HMAC).
 */
export class AuditRecorder {
  private readonly addressHmacs = new LRUCache<string, string>({ max: 10_000 });

  constructor(
    readonly trail: AuditTrail & { recordRefusedKey?(addressHmac: string): void },
    private readonly addressKey: Uint8Array,
    private readonly clock: Clock,
  ) {}

  record(
    source: AuditSource,
    action: AuditAction,
    targets: readonly string[],
    outcome: AuditOutcome = 'success',
    details: { readonly [key: string]: AuditDetail } = {},
  ): void {
    this.trail.record({
      occurredAt: this.clock.now(),
      actor: source.actor,
      action,
      targets,
      requestId: source.requestId,
      clientAddressHmac: source.clientAddress === null ? null : this.addressHmac(source.clientAddress),
      outcome,
      details,
    });
  }

  /** A request that presented a revoked or unknown API key (counted per address and minute). */
  refusedKey(clientAddress: string): void {
    this.trail.recordRefusedKey?.(this.addressHmac(clientAddress));
  }

  addressHmac(address: string): string {
    let hmac = this.addressHmacs.get(address);
    if (hmac === undefined) {
      hmac = createHmac('sha256', this.addressKey).update(address).digest('hex');
      this.addressHmacs.set(address, hmac);
    }
    return hmac;
  }
}
