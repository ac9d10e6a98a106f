import {
  CancelVerification,
  ExpireVerifications,
  GetVerification,
  InvalidStateError,
  SessionNotFoundError,
} from '@facegate/domain';
import {
  anEventFor,
  aSessionSnapshot,
  InMemoryVerificationSessionRepository,
  makeVerificationDeps,
} from '@facegate/domain/testing';
import { describe, expect, it } from 'vitest';
import { error, start, value } from './support/flows';

describe('CancelVerification', () => {
  it('cancels a pending session, drops the binding and announces it', async () => {
    const deps = makeVerificationDeps();
    const session = await start(deps);
    deps.clock.advance(1000);
    const s = value(await new CancelVerification(deps).execute({ sessionId: session.id }));
    expect(s).toMatchObject({ status: 'CANCELED', binding: null, endedAt: deps.clock.now(), version: 2 });
    expect(await deps.repository.findById(session.id)).toEqual(s);
    expect(deps.events.of(session.id).map((e) => e.status)).toEqual(['PENDING', 'CANCELED']);
  });

  it('refuses an ended session and changes nothing', async () => {
    const deps = makeVerificationDeps();
    const session = await start(deps);
    const cancel = new CancelVerification(deps);
    const s = value(await cancel.execute({ sessionId: session.id }));
    const e = error(await cancel.execute({ sessionId: session.id }));
    expect(e).toBeInstanceOf(InvalidStateError);
    expect(e).toMatchObject({ status: 'CANCELED', command: 'cancel' });
    expect(await deps.repository.findById(session.id)).toEqual(s);
    expect(deps.events.events).toHaveLength(2);
  });

  it('expires instead of cancelling a session already past its expiry', async () => {
    const deps = makeVerificationDeps();
    const session = await start(deps);
    deps.clock.set(session.expiresAt);
    expect(error(await new CancelVerification(deps).execute({ sessionId: session.id }))).toMatchObject({
      status: 'EXPIRED',
    });
    expect((await deps.repository.findById(session.id))?.status).toBe('EXPIRED');
  });

  it('answers an unknown id with SessionNotFoundError', async () => {
    const deps = makeVerificationDeps();
    expect(error(await new CancelVerification(deps).execute({ sessionId: 'nope' }))).toBeInstanceOf(
      SessionNotFoundError,
    );
  });

  it('re-applies once when another writer got in first, then gives up', async () => {
    class Racing extends InMemoryVerificationSessionRepository {
      races = 1;
      override async update(...args: Parameters<InMemoryVerificationSessionRepository['update']>) {
        if (this.races > 0) {
          this.races -= 1;
          const stored = (await this.findById(args[0].id))!;
          await super.update(
            { ...stored, version: stored.version + 1 },
            stored.version,
            anEventFor({ ...stored, version: stored.version + 1 }),
          );
        }
        return super.update(...args);
      }
    }
    const repository = new Racing();
    const deps = makeVerificationDeps({ repository });
    const session = await start(deps);
    const s = value(await new CancelVerification(deps).execute({ sessionId: session.id }));
    expect(s).toMatchObject({ status: 'CANCELED', version: 3 });
    const other = await start(deps);
    repository.races = 2;
    await expect(new CancelVerification(deps).execute({ sessionId: other.id })).rejects.toMatchObject({
      code: 'CONCURRENT_MODIFICATION',
    });
  });
});

describe('GetVerification', () => {
  it('returns the session as stored', async () => {
    const deps = makeVerificationDeps();
    const session = await start(deps);
    expect(value(await new GetVerification(deps).execute({ sessionId: session.id }))).toEqual(session);
    expect(error(await new GetVerification(deps).execute({ sessionId: 'nope' }))).toBeInstanceOf(
      SessionNotFoundError,
    );
  });

  it('expires a due pending session, stores that and announces it once', async () => {
    const deps = makeVerificationDeps();
    const session = await start(deps);
    deps.clock.set(new Date(session.expiresAt.getTime() - 1));
    expect(value(await new GetVerification(deps).execute({ sessionId: session.id })).status).toBe('PENDING');
    deps.clock.advance(1);
    const s = value(await new GetVerification(deps).execute({ sessionId: session.id }));
    expect(s).toMatchObject({ status: 'EXPIRED', binding: null, endedAt: session.expiresAt, version: 2 });
    expect(await deps.repository.findById(session.id)).toEqual(s);
    value(await new GetVerification(deps).execute({ sessionId: session.id }));
    expect(deps.events.of(session.id).map((e) => e.status)).toEqual(['PENDING', 'EXPIRED']);
  });

  it('returns what another writer stored when it moved the session on first', async () => {
    class CancelsFirst extends InMemoryVerificationSessionRepository {
      override async update(...args: Parameters<InMemoryVerificationSessionRepository['update']>) {
        const stored = (await this.findById(args[0].id))!;
        if (stored.status === 'PENDING') {
          await super.update(
            { ...stored, status: 'CANCELED', binding: null, version: stored.version + 1 },
            stored.version,
            anEventFor({ ...stored, status: 'CANCELED', binding: null, version: stored.version + 1 }),
          );
        }
        return super.update(...args);
      }
    }
    const deps = makeVerificationDeps({ repository: new CancelsFirst() });
    const session = await start(deps);
    deps.clock.set(session.expiresAt);
    expect(value(await new GetVerification(deps).execute({ sessionId: session.id })).status).toBe('CANCELED');
  });
});

describe('ExpireVerifications', () => {
  it('expires due pending sessions up to the limit, announcing each', async () => {
    const deps = makeVerificationDeps();
    const due = [
      aSessionSnapshot({ id: 'a', expiresAt: new Date('2025-05-31T00:00:00Z') }),
      aSessionSnapshot({ id: 'b', expiresAt: new Date('2025-05-31T01:00:00Z') }),
      aSessionSnapshot({ id: 'c', expiresAt: new Date('2025-05-31T02:00:00Z') }),
    ];
    const notDue = aSessionSnapshot({ id: 'd', expiresAt: new Date('2025-06-02T00:00:00Z') });
    for (const s of [...due, notDue]) await deps.repository.insert(s, anEventFor(s));
    const expire = new ExpireVerifications(deps);
    expect(await expire.execute({ limit: 2 })).toBe(2);
    expect(deps.events.events.map((e) => [e.sessionId, e.status])).toEqual([
      ['a', 'EXPIRED'],
      ['b', 'EXPIRED'],
    ]);
    expect(await expire.execute({ limit: 10 })).toBe(1);
    expect(await expire.execute({ limit: 10 })).toBe(0);
    expect((await deps.repository.findById('c'))?.binding).toBeNull();
    expect((await deps.repository.findById('d'))?.status).toBe('PENDING');
    expect(await expire.execute({ limit: 0 })).toBe(0);
  });

  it('skips a session another writer changed meanwhile', async () => {
    class Racing extends InMemoryVerificationSessionRepository {
      override async update(...args: Parameters<InMemoryVerificationSessionRepository['update']>) {
        const stored = (await this.findById(args[0].id))!;
        await super.update(
          { ...stored, attempts: 1, version: stored.version + 1 },
          stored.version,
          anEventFor({ ...stored, attempts: 1, version: stored.version + 1 }),
        );
        return super.update(...args);
      }
    }
    const deps = makeVerificationDeps({ repository: new Racing() });
    const due = aSessionSnapshot({ expiresAt: new Date('2025-05-31T00:00:00Z') });
    await deps.repository.insert(due, anEventFor(due));
    expect(await new ExpireVerifications(deps).execute({ limit: 5 })).toBe(0);
    expect(deps.events.events).toEqual([]);
  });
});
