import type { AuditAction, AuditDetail, AuditOutcome } from '@facegate/domain';
import { requestActor } from '../application/audit/audit-recorder';
import type { GatewayContext } from './context';

/**
 * Records what a service (an API key, or an operator through the console) did in this request. Users' and
 * anonymous callers' requests are not audited here. Buffered: no round trip on the request's path.
 */
export function auditRequest(
  ctx: GatewayContext,
  action: AuditAction,
  targets: readonly string[],
  outcome: AuditOutcome = 'success',
  details: { readonly [key: string]: AuditDetail } = {},
): void {
  const actor = requestActor(ctx.viewer, ctx.viaConsole);
  if (actor === null) return;
  ctx.services.audit.record(
    { actor, requestId: ctx.requestId, clientAddress: ctx.clientAddress },
    action,
    targets,
    outcome,
    details,
  );
}
