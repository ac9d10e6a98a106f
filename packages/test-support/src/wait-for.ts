import { vi } from 'vitest';

export interface WaitForOptions {
  /** Default 20 s. */
  readonly timeoutMs?: number;
  /** How often `check` runs; default 20 ms. */
  readonly intervalMs?: number;
  /** More to say when it times out (what the page shows, what the process printed, ...). */
  readonly detail?: () => string;
}

/** What `check` returns once the wait is over: anything but false, 0, '', null or undefined. */
export type Truthy<T> = T extends false | 0 | '' | null | undefined ? never : T;

/**
 * Runs `check` until it returns a truthy value, and resolves with that value (vitest's `vi.waitUntil`, with
 * a longer default and a timeout that says what was awaited). The third argument is the timeout in ms, or
 * options. An error thrown by `check` ends the wait at once: a broken check is a failure, not a reason to
 * keep trying.
 *
 * For presence only: never wait a while to conclude that something did not happen. Wait for the event that
 * would have come with it (a later request, a log line, the process's exit), then assert its absence.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutOrOptions: number | WaitForOptions = {},
): Promise<Truthy<T>> {
  const options = typeof timeoutOrOptions === 'number' ? { timeoutMs: timeoutOrOptions } : timeoutOrOptions;
  const timeoutMs = options.timeoutMs ?? 20_000;
  let failed = false;
  const guarded = async () => {
    try {
      return await check();
    } catch (error) {
      failed = true;
      throw error;
    }
  };
  try {
    return (await vi.waitUntil(guarded, {
      timeout: timeoutMs,
      interval: options.intervalMs ?? 20,
    })) as Truthy<T>;
  } catch (error) {
    if (failed) throw error;
    const detail = options.detail ? `\n${options.detail()}` : '';
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, { cause: error });
  }
}
