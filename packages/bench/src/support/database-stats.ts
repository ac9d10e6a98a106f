import { openDatabase } from '@facegate/adapters-postgres';

/** One index of a gateway's database after a run: how often a query used it and how big it grew. */
export interface IndexUsage {
  readonly table: string;
  readonly index: string;
  readonly scans: number;
  readonly bytes: number;
}

/** One table's writes after a run: how many updates were HOT (no index entry written). */
export interface TableWrites {
  readonly table: string;
  readonly inserts: number;
  readonly updates: number;
  readonly hotUpdates: number;
  readonly deletes: number;
}

export interface DatabaseStats {
  readonly indexes: IndexUsage[];
  readonly tables: TableWrites[];
}

/**
 * Reads pg_stat_user_indexes and pg_stat_user_tables of a gateway's database once the gateway has stopped
 * (a backend flushes its counters when it exits, so nothing the run did is missing): which index any query
 * of the run used, and which updates were HOT. Only tables the run wrote or read are kept.
 */
export async function readDatabaseStats(url: string): Promise<DatabaseStats> {
  const db = await openDatabase({ url, poolMax: 1 });
  try {
    const indexes = await db.query<{ table: string; index: string; scans: string; bytes: string }>(
      `SELECT relname AS table, indexrelname AS index, idx_scan::text AS scans,
              pg_relation_size(indexrelid)::text AS bytes
       FROM pg_stat_user_indexes ORDER BY relname, indexrelname`,
    );
    const tables = await db.query<{
      table: string;
      inserts: string;
      updates: string;
      hot: string;
      deletes: string;
    }>(
      `SELECT relname AS table, n_tup_ins::text AS inserts, n_tup_upd::text AS updates,
              n_tup_hot_upd::text AS hot, n_tup_del::text AS deletes
       FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 ORDER BY relname`,
    );
    const busy = new Set(tables.map((t) => t.table));
    return {
      indexes: indexes
        .filter((i) => busy.has(i.table))
        .map((i) => ({ table: i.table, index: i.index, scans: Number(i.scans), bytes: Number(i.bytes) })),
      tables: tables.map((t) => ({
        table: t.table,
        inserts: Number(t.inserts),
        updates: Number(t.updates),
        hotUpdates: Number(t.hot),
        deletes: Number(t.deletes),
      })),
    };
  } finally {
    await db.close();
  }
}

/** The stats as lines for the console: every index with its scans, every table with its HOT share. */
export function formatDatabaseStats(name: string, stats: DatabaseStats): string {
  const lines = [`PostgreSQL after the run, ${name}:`];
  for (const t of stats.tables) {
    const share = t.updates > 0 ? ` (${((100 * t.hotUpdates) / t.updates).toFixed(0)}% HOT)` : '';
    lines.push(
      `  table ${t.table}: ${t.inserts} inserts, ${t.updates} updates${share}, ${t.deletes} deletes`,
    );
  }
  for (const i of stats.indexes) {
    lines.push(`  index ${i.index} on ${i.table}: ${i.scans} scans, ${(i.bytes / 1024).toFixed(0)} KiB`);
  }
  return lines.join('\n');
}
