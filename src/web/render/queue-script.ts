/**
 * The queue page's inline script (runs under the CSP nonce; no framework, no build step). It
 * listens to `/api/events` and swaps in rows the server rendered and escaped, keeps elapsed times
 * ticking, and keeps the in-flight table in queue order.
 */
import { CLIENT_FORMAT_DURATION } from './client-format.ts';

/** How many finished tickets the page shows (server render and live updates alike). */
export const RECENT_LIMIT = 100;

export const QUEUE_SCRIPT = `
(() => {
  'use strict';
  const RECENT_MAX = ${RECENT_LIMIT};
  const body = (s) => document.querySelector('#' + s + ' tbody');
  ${CLIENT_FORMAT_DURATION}
  const tick = () => {
    const now = Date.now();
    for (const cell of document.querySelectorAll('td.elapsed[data-since]')) {
      cell.textContent = fmt(now - Number(cell.dataset.since));
    }
  };
  const refreshEmpty = () => {
    for (const s of ['inflight', 'recent']) {
      document.getElementById(s + '-empty').hidden = body(s).children.length > 0;
    }
  };
  const sortInflight = () => {
    const tb = body('inflight');
    const rows = [...tb.children];
    rows.sort((a, b) => {
      const ra = a.dataset.status === 'running', rb = b.dataset.status === 'running';
      if (ra !== rb) return ra ? -1 : 1;
      if (ra) return Number(a.dataset.since) - Number(b.dataset.since);
      return (Number(a.dataset.pos) || 1e9) - (Number(b.dataset.pos) || 1e9);
    });
    for (const r of rows) tb.append(r);
  };
  const place = (msg) => {
    const tpl = document.createElement('template');
    tpl.innerHTML = msg.html.trim();
    const row = tpl.content.firstElementChild;
    if (!row) return;
    document.getElementById(row.id)?.remove();
    if (msg.section === 'recent') {
      const tb = body('recent');
      tb.prepend(row);
      while (tb.children.length > RECENT_MAX) tb.lastElementChild.remove();
    } else {
      body('inflight').append(row);
      sortInflight();
    }
    row.classList.add('flash');
    refreshEmpty();
    tick();
  };
  const live = document.getElementById('live');
  let connectedBefore = false;
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => {
    live.classList.add('on');
    // After a dropped connection the page may have missed changes: start over from fresh HTML.
    if (connectedBefore) location.reload();
    connectedBefore = true;
  });
  es.addEventListener('error', () => live.classList.remove('on'));
  es.addEventListener('row', (e) => place(JSON.parse(e.data)));
  es.addEventListener('positions', (e) => {
    const pos = JSON.parse(e.data).positions;
    for (const row of body('inflight').children) {
      if (row.dataset.status !== 'queued') continue;
      const p = pos[row.id.slice(4)];
      row.dataset.pos = p ? String(p) : '';
      const cell = row.querySelector('.pos');
      if (cell) cell.textContent = p ? '#' + p : '—';
    }
    sortInflight();
  });
  setInterval(tick, 1000);
  document.body.dataset.live = 'ready';
})();
`;
