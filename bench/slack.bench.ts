/**
 * Slack ack latency: 200 signed reaction events through the real Bolt HTTP receiver on Fastify,
 * while a ticket moves through its stages and the store answers slowly, against the ack latency
 * of url_verification (which touches neither store nor Web API) measured in the same run.
 *
 *   node_modules/.bin/node bench/slack.bench.ts
 */
// Quiet per-ticket logs; set before the logger module loads.
process.env.LOOPWRIGHT_LOG_LEVEL ??= 'warn';
const { signedHeaders, startHarness, reaction } = await import('../test/slack/helpers/harness.ts');

const N = 200;
const STORE_DELAY_MS = 25;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const fmt = (n: number) => `${n.toFixed(2)} ms`;

async function main() {
  const h = await startHarness();
  try {
    // Warm up both paths (JIT, sockets).
    for (let i = 0; i < 20; i++) {
      const body = JSON.stringify({ type: 'url_verification', challenge: `w${i}`, token: 't' });
      await h.post(body, signedHeaders(body));
    }

    const baseline: number[] = [];
    for (let i = 0; i < N; i++) {
      const body = JSON.stringify({ type: 'url_verification', challenge: `c${i}`, token: 't' });
      baseline.push((await h.post(body, signedHeaders(body))).ms);
    }

    // A running ticket: its stage changes keep the thread updater and the store busy meanwhile.
    const first = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'running ticket' });
    await h.send(reaction('UREACT', 'C1', first));
    await h.slack.idle();
    const running = [...h.store.tickets.values()][0];
    if (!running) throw new Error('no ticket was queued');
    h.store.delayMs = STORE_DELAY_MS;
    let stop = false;
    const stages = ['preparing', 'coding', 'verifying', 'reviewing', 'publishing'] as const;
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        await h.store.advance(running.id, { status: 'running', stage: stages[i % stages.length] });
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    const events: number[] = [];
    let failures = 0;
    for (let i = 0; i < N; i++) {
      const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: `request ${i}` });
      const res = await h.send(reaction('UREACT', 'C1', ts));
      if (res.status !== 200) failures++;
      events.push(res.ms);
    }
    stop = true;
    await churn;
    h.store.delayMs = 0;
    await h.slack.idle();

    const b50 = pct(baseline, 50);
    const e50 = pct(events, 50);
    console.log(
      `Slack ack latency, ${N} signed requests each (store delay ${STORE_DELAY_MS} ms per call, one ticket running)`,
    );
    console.log(
      `  url_verification (baseline): p50 ${fmt(b50)}  p99 ${fmt(pct(baseline, 99))}  min–max ${fmt(Math.min(...baseline))}–${fmt(Math.max(...baseline))}`,
    );
    console.log(
      `  reaction_added event:        p50 ${fmt(e50)}  p99 ${fmt(pct(events, 99))}  min–max ${fmt(Math.min(...events))}–${fmt(Math.max(...events))}`,
    );
    console.log(
      `  ratio event/baseline: p50 ×${(e50 / b50).toFixed(2)}  p99 ×${(pct(events, 99) / pct(baseline, 99)).toFixed(2)}`,
    );
    console.log(`  non-200 acks: ${failures}; tickets queued: ${h.store.tickets.size - 1} of ${N}`);
  } finally {
    await h.close();
  }
}

await main();
