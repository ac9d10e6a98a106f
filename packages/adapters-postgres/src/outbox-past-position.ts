/**
 * The outbox events a reader (the feed, the webhook relay) has not consumed yet: those past its position, and
 * its gaps, ids below the position that it passed over before they committed and still waits for. Read as two
 * index ranges joined by UNION ALL, never as `id > position OR id = ANY(gaps)`: PostgreSQL plans that OR as a
 * filter over the whole primary key (on the generic plan it settles on after a few executions, and whenever
 * the position comes from a join), a cost that grows with the outbox. Each part is ordered and limited on its
 * own: the caller orders and limits the union again.
 */
export function outboxPastPosition(read: {
  readonly columns: string;
  readonly position: string;
  readonly gaps: string;
  readonly limit: string | number;
}): string {
  const { columns, position, gaps, limit } = read;
  return `(SELECT ${columns} FROM event_outbox WHERE id > ${position} ORDER BY id LIMIT ${limit})
    UNION ALL
    (SELECT ${columns} FROM event_outbox WHERE id = ANY (${gaps}) AND id <= ${position})`;
}
