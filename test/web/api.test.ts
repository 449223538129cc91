import { afterEach, describe, expect, it } from 'vitest';
import { stamp } from '../../src/core/events.ts';
import type { Ticket } from '../../src/core/ticket.ts';
import { startHarness, type Harness } from './helpers/setup.ts';
import { postJson, request } from './helpers/http.ts';
import { MemoryTicketStore } from '../helpers/memory-store.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('JSON API', () => {
  it('submits, reads, lists, cancels and retries tickets', async () => {
    h = await startHarness();
    const u = h.server.url;
    const created = await postJson(`${u}/api/tickets`, {
      text: 'Add a legend toggle',
      target: 'datadesk',
      id: 'req-1',
    });
    expect(created.status).toBe(201);
    const { ticket } = created.json<{ ticket: Ticket; created: boolean }>();
    expect(ticket.request).toMatchObject({
      text: 'Add a legend toggle',
      source: 'web',
      sourceKey: 'web:req-1',
    });

    const again = await postJson(`${u}/api/tickets`, { text: 'Add a legend toggle', id: 'req-1' });
    expect(again.status).toBe(200);
    expect(again.json<{ ticket: Ticket; created: boolean }>()).toMatchObject({
      created: false,
      ticket: { id: ticket.id },
    });

    // `loopwright submit` goes through this API and is recorded as the CLI, with its own key space.
    const fromCli = await postJson(`${u}/api/tickets`, {
      text: 'Add a legend toggle',
      id: 'req-1',
      source: 'cli',
    });
    expect(fromCli.status).toBe(201);
    expect(fromCli.json<{ ticket: Ticket }>().ticket.request).toMatchObject({
      source: 'cli',
      sourceKey: 'cli:req-1',
    });
    const bad = await postJson(`${u}/api/tickets`, { text: 'x', source: 'slack' });
    expect(bad.status).toBe(400);

    const one = await request(`${u}/api/tickets/${ticket.id}`);
    expect(one.json<Ticket>().id).toBe(ticket.id);
    const list = await request(`${u}/api/tickets?status=queued&limit=5`);
    const cliId = fromCli.json<{ ticket: Ticket }>().ticket.id;
    expect(
      list
        .json<{ tickets: Ticket[] }>()
        .tickets.map((t) => t.id)
        .sort(),
    ).toEqual([ticket.id, cliId].sort());

    await h.store.append(ticket.id, stamp({ type: 'stage', stage: 'preparing' }));
    const timeline = await request(`${u}/api/tickets/${ticket.id}/timeline`);
    expect(
      timeline.json<{ entries: { event: { type: string } }[] }>().entries.map((e) => e.event.type),
    ).toEqual(['stage']);

    const cancelled = await request(`${u}/api/tickets/${ticket.id}/cancel`, { method: 'POST' });
    expect(cancelled.json<Ticket>().status).toBe('cancelled');
    const retried = await request(`${u}/api/tickets/${ticket.id}/retry`, { method: 'POST' });
    expect(retried.json<Ticket>().status).toBe('queued');
  });

  it('answers bad input and unknown tickets with coded errors', async () => {
    h = await startHarness();
    const u = h.server.url;
    const bad = await postJson(`${u}/api/tickets`, { text: '   ' });
    expect(bad.status).toBe(400);
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('bad_request');
    const badTarget = await postJson(`${u}/api/tickets`, { text: 'x', target: '../etc' });
    expect(badTarget.status).toBe(400);
    const missing = await request(`${u}/api/tickets/nope`);
    expect(missing.status).toBe(404);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('not_found');
    const page = await request(`${u}/tickets/nope`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.text).toContain('no ticket nope');
  });

  it('reports health from the store and fails it when the store does not answer', async () => {
    h = await startHarness();
    expect((await request(`${h.server.url}/healthz`)).json()).toMatchObject({ ok: true, db: 'reachable' });
    await h.close();
    const broken = new MemoryTicketStore();
    broken.counts = () => Promise.reject(new Error('connection refused'));
    h = await startHarness({ store: broken });
    const res = await request(`${h.server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(res.json()).toMatchObject({ ok: false, db: 'unreachable' });
  });

  it('exposes Prometheus metrics: status gauge, queue depth, tokens, stage durations', async () => {
    h = await startHarness();
    const { ticket } = await h.store.submit({ request: { text: 'x', source: 'cli', requester: 'me' } });
    const { ticket: second } = await h.store.submit({
      request: { text: 'y', source: 'cli', requester: 'me' },
    });
    await h.store.append(
      ticket.id,
      stamp({
        type: 'usage',
        agent: 'coder',
        model: 'gpt-4.1',
        modelMs: 900,
        usage: { promptTokens: 1200, completionTokens: 300, cachedTokens: 200, costUsd: 0.01 },
      }),
    );
    await h.store.update(ticket.id, {
      status: 'pr_opened',
      stage: 'done',
      timings: { codingMs: 42_000, totalMs: 90_000 },
    });
    await h.store.append(ticket.id, stamp({ type: 'finished', status: 'pr_opened' }));
    await h.store.submit({ target: 'notebooks', request: { text: 'z', source: 'cli', requester: 'me' } });
    const text = (await request(`${h.server.url}/metrics`)).text;
    expect(text).toMatch(/loopwright_tickets\{status="queued",target="datadesk"\} 1\n/);
    expect(text).toMatch(/loopwright_tickets\{status="pr_opened",target="datadesk"\} 1\n/);
    expect(text).toMatch(/loopwright_tickets\{status="queued",target="notebooks"\} 1\n/);
    expect(text).toMatch(/loopwright_tickets\{status="pr_opened",target="notebooks"\} 0\n/);
    expect(text).toMatch(/loopwright_queue_depth\{target="datadesk"\} 1\n/);
    expect(text).toMatch(/loopwright_queue_depth\{target="notebooks"\} 1\n/);
    expect(text).not.toMatch(/loopwright_(tickets|queue_depth)\{(status="\w+")?\}/);
    // A ticket leaving the queue leaves its target's depth at the next scrape.
    await h.store.update(second.id, { status: 'running' });
    const later = (await request(`${h.server.url}/metrics`)).text;
    expect(later).toMatch(/loopwright_queue_depth\{target="datadesk"\} 0\n/);
    expect(later).toMatch(/loopwright_queue_depth\{target="notebooks"\} 1\n/);
    expect(text).toMatch(
      /loopwright_tokens_total\{agent="coder",model="gpt-4.1",target="datadesk",kind="prompt"\} 1200/,
    );
    expect(text).toMatch(/loopwright_stage_duration_seconds_count\{stage="coding",target="datadesk"\} 1/);
    expect(text).toMatch(/loopwright_stage_duration_seconds_sum\{stage="coding",target="datadesk"\} 42/);
  });
});
