import { describe, expect, it } from 'vitest';
import { renderQueuePage } from '../../src/web/server.ts';
import { loadQueueData } from '../../src/web/routes/pages.ts';
import { MemoryTicketStore } from '../helpers/memory-store.ts';
import { startHarness } from './helpers/setup.ts';

describe('queue page at scale', () => {
  it('serves the page from a 10,000-ticket store with all in-flight and the newest 100 finished', async () => {
    const store = new MemoryTicketStore();
    for (let i = 0; i < 10_000; i++) {
      const { ticket } = await store.submit({
        request: { text: `request ${i} <b>`, source: 'cli', requester: 'bench' },
      });
      if (i < 9_990)
        await store.update(ticket.id, { status: i % 7 === 0 ? 'failed' : 'pr_opened', stage: 'done' });
    }
    const data = await loadQueueData(store);
    const started = performance.now();
    const htmlText = renderQueuePage({ ...data, now: Date.now(), nonce: 'n' });
    const renderMs = performance.now() - started;
    expect(htmlText.match(/<tr\s+id="row-/g)).toHaveLength(110);
    expect(renderMs).toBeLessThan(200);

    const h = await startHarness({ store });
    try {
      const res = await fetch(`${h.server.url}/`);
      expect(res.status).toBe(200);
      expect((await res.text()).match(/<tr\s+id="row-/g)).toHaveLength(110);
    } finally {
      await h.close();
    }
  });
});
