import type { Ticket } from '../core/ticket.ts';
import type { TicketStore } from '../tickets/types.ts';

/** Queue positions of the given tickets (the queued ones have one), for the queue page and SSE. */
export async function queuePositions(store: TicketStore, tickets: Ticket[]): Promise<Record<string, number>> {
  const positions: Record<string, number> = {};
  await Promise.all(
    tickets.map(async (t) => {
      const p = await store.position(t.id);
      if (p !== undefined) positions[t.id] = p;
    }),
  );
  return positions;
}
