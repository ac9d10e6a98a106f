/*
 * What an operator sees when `facegate serve` or `migrate` cannot use PostgreSQL: one plain line per cause
 * they meet (SQLSTATE or socket error), naming DATABASE_URL, its host, user and database, never its
 * password, and what to do.
 */

/** The parts of DATABASE_URL a message may show (never the password). */
interface Target {
  readonly host: string;
  readonly user: string;
  readonly database: string;
}

function targetOf(databaseUrl: string | undefined): Target {
  try {
    const url = new URL(databaseUrl ?? '');
    return {
      host: url.port ? `${url.hostname}:${url.port}` : url.hostname || 'localhost',
      user: decodeURIComponent(url.username) || 'the default user',
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username),
    };
  } catch {
    return { host: 'the server', user: 'the user', database: 'the database' };
  }
}

/** A name as SQL and shell would need it quoted (only when it is not a plain lower-case identifier). */
const ident = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

/**
 * The line for a database error code met at start-up, or null when `code` is not one of them. `code` is
 * PostgreSQL's SQLSTATE or Node's socket error code.
 */
export function databaseErrorLine(code: string, databaseUrl: string | undefined): string | null {
  const { host, user, database } = targetOf(databaseUrl);
  const what = (text: string) => `DATABASE_URL: ${text} (${code})`;
  switch (code) {
    case '3D000':
      return what(
        `database "${database}" does not exist on ${host}; create it (createdb -h ${host.split(':')[0]} -U ${user} ${database}, or CREATE DATABASE ${ident(database)} OWNER ${ident(user)};) and start again: FaceGate creates its tables itself`,
      );
    case '28P01':
      return what(
        `PostgreSQL at ${host} refused the password of user "${user}"; check the password in DATABASE_URL`,
      );
    case '28000':
      return what(
        `PostgreSQL at ${host} does not let user "${user}" in: the role does not exist, or pg_hba.conf has no entry for this host, user and database`,
      );
    case '57P03':
      return what(
        `PostgreSQL at ${host} is starting up, shutting down or recovering; start FaceGate again once it accepts connections`,
      );
    case '53300':
      return what(
        `PostgreSQL at ${host} has no connection left for user "${user}" (max_connections or the role's CONNECTION LIMIT); lower DATABASE_POOL_SIZE times the number of instances, or raise the limit`,
      );
    case 'ECONNREFUSED':
      return what(`nothing accepts connections at ${host}; is PostgreSQL running there, on that port?`);
    case 'ENOTFOUND':
      return what(`the host of ${host} is not found; check the host name in DATABASE_URL`);
    case 'ETIMEDOUT':
      return what(`no answer from ${host}; check the address and any firewall between here and PostgreSQL`);
    default:
      return null;
  }
}
