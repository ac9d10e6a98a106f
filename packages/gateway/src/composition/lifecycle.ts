import type { Logger } from '../infrastructure/observability/logger';

/** Resources to release on shutdown, closed in reverse order of opening. */
export class Lifecycle {
  private readonly closers: { name: string; close: () => Promise<void> | void }[] = [];
  private closing: Promise<void> | null = null;

  onClose(name: string, close: () => Promise<void> | void): void {
    this.closers.push({ name, close });
  }

  /** What is open and will be closed, in opening order. */
  get resources(): readonly string[] {
    return this.closers.map((c) => c.name);
  }

  close(logger?: Logger): Promise<void> {
    this.closing ??= (async () => {
      for (const { name, close } of this.closers.reverse()) {
        try {
          await close();
        } catch (error) {
          logger?.warn({ err: error, resource: name }, 'error while closing');
        }
      }
    })();
    return this.closing;
  }
}
