/**
 * A small queue that lets tools emit events while they run (the `verifying` stage while `prove`
 * works) and the loop's async generator yield them live, not after the tool returns.
 */
import { stamp, type TicketEvent, type TicketEventInput } from '../core/events.ts';

export class EventQueue {
  private items: TicketEvent[] = [];
  private waiter?: () => void;

  push(event: TicketEventInput): void {
    this.items.push(stamp(event));
    this.wake();
  }

  /** Passes on an event already stamped (one a reviewer's own loop emitted). */
  forward(event: TicketEvent): void {
    this.items.push(event);
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Yields queued events until `work` settles, then returns its value (or throws its error). */
  async *drain<T>(work: Promise<T>): AsyncGenerator<TicketEvent, T> {
    let settled = false;
    const tracked = work.finally(() => {
      settled = true;
      this.wake();
    });
    tracked.catch(() => undefined);
    for (;;) {
      while (this.items.length) yield this.items.shift()!;
      if (settled) break;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return await tracked;
  }
}
