// Run as its own process by migrate.test.ts: migrates the database at argv[2] and prints what it applied.
import { migrate, openDatabase } from '../../src/index';

const db = await openDatabase({ url: process.argv[2] });
try {
  process.stdout.write(JSON.stringify(await migrate(db)));
} finally {
  await db.close();
}
