import { useState } from 'preact/hooks';
import { graphql, type VariablesOf } from '../graphql';
import { type Lang, useI18n } from '../i18n';
import { useQuery } from '../use-query';

const LIST = graphql(`query AuditEvents($filter: AuditEventFilter, $after: String) {
  auditEvents(filter: $filter, first: 50, after: $after) {
    edges { node { sequence occurredAt actor actorKind actorName action targets requestId outcome details } }
    pageInfo { hasNextPage endCursor }
  } }`);

type Filter = NonNullable<VariablesOf<typeof LIST>['filter']>;

/** The actions a filter offers (the domain's AUDIT_ACTIONS); any other is shown as stored. */
const ACTIONS = [
  'session.read',
  'session.list',
  'identity-status.read',
  'api-key.created',
  'api-key.revoked',
  'webhook-endpoint.created',
  'webhook-endpoint.changed',
  'webhook-endpoint.secret-rotated',
  'webhook-endpoint.deleted',
  'webhook-delivery.redelivered',
  'auth.refused',
  'gateway.started',
  'audit.read',
  'audit.checkpoint',
  'audit.retention',
] as const;

/** This page's words, kept beside it (the shared dictionary holds only its name in the navigation). */
const WORDS = {
  'zh-CN': {
    heading: '审计日志',
    note: '谁在何时读取或更改了什么（只记录编号，不记录内容）。每行以 SHA-256 链接上一行，并定期由 Ed25519 签名；用 facegate audit verify 校验。',
    noScope: '需要具有 audit:read 权限的密钥（console:admin 不包含该权限）。',
    actor: '操作者',
    actorHint: 'key:<id>、console:<id>、cli:<用户>、system',
    action: '操作',
    target: '对象',
    targetHint: 'session:<id>、api-key:<id> …',
    from: '起',
    to: '止',
    all: '全部',
    filter: '筛选',
    time: '时间',
    outcome: '结果',
    details: '详情',
    sequence: '序号',
    next: '下一页',
    empty: '没有符合条件的记录',
  },
  en: {
    heading: 'Audit trail',
    note: 'Who read or changed what, and when (ids only, never contents). Each row is chained to the one before by SHA-256 and signed with Ed25519 at checkpoints; check it with facegate audit verify.',
    noScope: 'This needs a key with the audit:read scope (console:admin does not include it).',
    actor: 'Actor',
    actorHint: 'key:<id>, console:<id>, cli:<user>, system',
    action: 'Action',
    target: 'Target',
    targetHint: 'session:<id>, api-key:<id> …',
    from: 'From',
    to: 'To',
    all: 'All',
    filter: 'Filter',
    time: 'Time',
    outcome: 'Outcome',
    details: 'Details',
    sequence: '#',
    next: 'Next page',
    empty: 'No matching events',
  },
} satisfies Record<Lang, Record<string, string>>;

/** datetime-local (read as China Standard Time) to ISO; empty to undefined. */
const cstToIso = (value: string) => (value ? new Date(`${value}:00+08:00`).toISOString() : undefined);

/** The audit trail, newest first, filtered by actor, action, target and period (auditEvents, audit:read). */
export function AuditPage(props: { allowed: boolean }) {
  const { lang, date } = useI18n();
  const w = WORDS[lang];
  const [filter, setFilter] = useState<Filter>({});
  const [after, setAfter] = useState<string | null>(null);
  const { data, error } = useQuery(props.allowed ? LIST : null, { filter, after });

  if (!props.allowed) {
    return (
      <section>
        <h2>{w.heading}</h2>
        <p class="error" data-testid="audit-no-scope">
          {w.noScope}
        </p>
      </section>
    );
  }

  const submit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const text = (name: string) => {
      const value = String(form.get(name) ?? '').trim();
      return value === '' ? undefined : value;
    };
    setAfter(null);
    setFilter({
      actor: text('actor'),
      action: text('action'),
      target: text('target'),
      from: cstToIso(String(form.get('from') ?? '')),
      to: cstToIso(String(form.get('to') ?? '')),
    });
  };

  const page = data?.auditEvents;
  return (
    <section>
      <h2>{w.heading}</h2>
      <p class="note">{w.note}</p>
      <form class="filters" onSubmit={submit} data-testid="audit-filters">
        <label>
          {w.actor}
          <input name="actor" maxLength={128} placeholder={w.actorHint} data-testid="audit-actor" />
        </label>
        <label>
          {w.action}
          <select name="action" data-testid="audit-action">
            <option value="">{w.all}</option>
            {ACTIONS.map((action) => (
              <option value={action}>{action}</option>
            ))}
          </select>
        </label>
        <label>
          {w.target}
          <input name="target" maxLength={128} placeholder={w.targetHint} data-testid="audit-target" />
        </label>
        <label>
          {w.from}
          <input name="from" type="datetime-local" data-testid="audit-from" />
        </label>
        <label>
          {w.to}
          <input name="to" type="datetime-local" data-testid="audit-to" />
        </label>
        <button type="submit" data-testid="audit-submit">
          {w.filter}
        </button>
      </form>
      {error && <p class="error">{error.message}</p>}
      {page && page.edges.length === 0 && <p data-testid="audit-empty">{w.empty}</p>}
      {page && page.edges.length > 0 && (
        <>
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th>{w.sequence}</th>
                <th>{w.time}</th>
                <th>{w.actor}</th>
                <th>{w.action}</th>
                <th>{w.target}</th>
                <th>{w.outcome}</th>
                <th>{w.details}</th>
              </tr>
            </thead>
            <tbody>
              {page.edges.map(({ node }) => (
                <tr data-testid="audit-row" data-action={node.action}>
                  <td>{node.sequence}</td>
                  <td>{date(node.occurredAt)}</td>
                  <td title={node.actorKind}>
                    {node.actor}
                    {node.actorName ? ` (${node.actorName})` : ''}
                  </td>
                  <td>{node.action}</td>
                  <td>{node.targets.join(' ')}</td>
                  <td>{node.outcome}</td>
                  <td>
                    <code>{node.details === '{}' ? '' : node.details}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.pageInfo.hasNextPage && (
            <button type="button" onClick={() => setAfter(page.pageInfo.endCursor)} data-testid="audit-next">
              {w.next}
            </button>
          )}
        </>
      )}
    </section>
  );
}
