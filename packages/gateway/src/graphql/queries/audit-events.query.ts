import { checkPageSize, isEntityId } from '@facegate/domain';
import type { Viewer } from '../../application/auth/viewer';
import { auditRequest } from '../audit';
import { requireScope } from '../authorization';
import { builder } from '../builder';
import { DateTimeScalar } from '../date-time.scalar';
import { unwrap } from '../domain-error.mapper';
import { badUserInput } from '../errors';
import { AuditEventConnectionRef, decodeAuditCursor } from '../types/audit-event.type';

const AuditEventFilterInput = builder.inputType('AuditEventFilter', {
  fields: (t) => ({
    actor: t.string({ description: 'key:<id>, console:<id>, cli:<user> or system' }),
    action: t.string({ description: 'e.g. session.read' }),
    target: t.string({ description: 'kind:id, e.g. session:vs_...' }),
    from: t.field({ type: DateTimeScalar, description: 'occurredAt >= from' }),
    to: t.field({ type: DateTimeScalar, description: 'occurredAt < to' }),
  }),
});

/** Reading the trail: audit:read, held alone (console:admin does not include it: see docs/security.md). */
export function requireAuditRead(viewer: Viewer): void {
  requireScope(viewer, 'audit:read');
}

/** A text filter reaches SQL: bounded, and never with NUL. */
function checkText(field: string, value: string | null | undefined): string | undefined {
  if (value == null) return undefined;
  if (!isEntityId(value) || value.length > 128) {
    throw badUserInput(field, 'FILTER_FORMAT', `${field} must be 1-128 characters`);
  }
  return value;
}

builder.queryField('auditEvents', (t) =>
  t.field({
    type: AuditEventConnectionRef,
    description: 'audit:read. The audit trail, newest first; page with first + after.',
    args: {
      filter: t.arg({ type: AuditEventFilterInput }),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    resolve: async (_root, { filter, first, after }, ctx) => {
      requireAuditRead(ctx.viewer);
      const size = unwrap(checkPageSize(first));
      let afterSequence: number | null = null;
      if (after != null) {
        afterSequence = decodeAuditCursor(after);
        if (afterSequence === null) {
          throw badUserInput('after', 'CURSOR_INVALID', 'after must be an endCursor from a previous page');
        }
      }
      const page = await ctx.services.auditEvents.query(
        {
          actor: checkText('actor', filter?.actor),
          action: checkText('action', filter?.action),
          target: checkText('target', filter?.target),
          from: filter?.from ?? undefined,
          to: filter?.to ?? undefined,
        },
        size,
        afterSequence,
      );
      // reading the trail is itself recorded (what was asked for, not what was answered)
      auditRequest(ctx, 'audit.read', [], 'success', {
        count: page.items.length,
        ...(filter?.actor ? { actor: filter.actor } : {}),
        ...(filter?.action ? { action: filter.action } : {}),
        ...(filter?.target ? { target: filter.target } : {}),
      });
      return page;
    },
  }),
);
