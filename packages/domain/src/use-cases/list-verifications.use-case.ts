import { checkAppSlug } from '../apps/app.js';
import type {
  PageCursor,
  VerificationFilter,
  VerificationPage,
  VerificationSessionRepository,
} from '../ports/verification-session.repository.port.js';
import { err, ok, type Result } from '../shared/result.js';
import { InvalidInputError } from '../verification/verification.errors.js';
import { checkOpenid } from './command-validation.js';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** How many rows a page asked for with `first` holds (DEFAULT_PAGE_SIZE when not given), or why it cannot. */
export function checkPageSize(first: number | null | undefined): Result<number, InvalidInputError> {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    return err(new InvalidInputError('first', 'PAGE_SIZE', `first must be between 1 and ${MAX_PAGE_SIZE}`));
  }
  return ok(size);
}

/** Cursors name sessions FaceGate made: their times are in this range (PostgreSQL refuses far wider ones). */
const CURSOR_EARLIEST = Date.UTC(2000, 0, 1);
const CURSOR_LATEST = Date.UTC(9999, 11, 31);

export interface ListVerificationsQuery {
  readonly filter?: VerificationFilter | null;
  readonly first?: number | null;
  readonly after?: PageCursor | null;
}

/** Sessions newest first, for services; every input bounded before the repository sees it. */
export class ListVerifications {
  constructor(private readonly deps: { readonly repository: VerificationSessionRepository }) {}

  async execute(query: ListVerificationsQuery): Promise<Result<VerificationPage, InvalidInputError>> {
    const size = checkPageSize(query.first);
    if (!size.ok) return size;
    const first = size.value;
    const openid = query.filter?.openid ?? null;
    const invalidOpenid = openid === null ? null : checkOpenid(openid);
    if (invalidOpenid) return err(invalidOpenid);
    const app = query.filter?.app ?? null;
    const invalidApp = app === null ? null : checkAppSlug(app);
    if (invalidApp) return err(invalidApp);
    const after = query.after ?? null;
    if (after !== null && !isPlausibleCursor(after)) {
      return err(
        new InvalidInputError('after', 'CURSOR_INVALID', 'after must be an endCursor from a previous page'),
      );
    }
    const filter: VerificationFilter = {
      app,
      apps: query.filter?.apps ?? null,
      openid,
      status: query.filter?.status ?? null,
      createdAfter: query.filter?.createdAfter ?? null,
      createdBefore: query.filter?.createdBefore ?? null,
    };
    return { ok: true, value: await this.deps.repository.list(filter, first, after) };
  }
}

function isPlausibleCursor(cursor: PageCursor): boolean {
  const time = cursor.createdAt.getTime();
  return (
    time >= CURSOR_EARLIEST &&
    time <= CURSOR_LATEST &&
    cursor.id.length > 0 &&
    cursor.id.length <= 128 &&
    !cursor.id.includes('\u0000')
  );
}
