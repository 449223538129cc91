/**
 * The queue page's inline script (runs under the CSP nonce; no framework, no build step). It
 * listens to `/api/events` and swaps in rows the server rendered and escaped, keeps elapsed times
 * ticking, and keeps the in-flight table in queue order. The target filter applies in place: the
 * tables come from the filtered page, and the stream is reopened for that target only.
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
  const positions = (msg) => {
    for (const row of body('inflight').children) {
      if (row.dataset.status !== 'queued') continue;
      const p = msg.positions[row.id.slice(4)];
      row.dataset.pos = p ? String(p) : '';
      const cell = row.querySelector('.pos');
      if (cell) cell.textContent = p ? '#' + p : '—';
    }
    sortInflight();
  };
  // The target filter: the stream carries only the shown target's rows (the server filters).
  // The server's choice, not the URL's: a name that is no target shows every target.
  const select = document.getElementById('target-filter');
  let target = select ? select.value : '';
  let es;
  // While a filter change swaps the tables, live messages wait, then replay onto the new rows.
  let held;
  const on = (fn) => (e) => {
    const msg = JSON.parse(e.data);
    if (held) held.push(() => fn(msg));
    else fn(msg);
  };
  const connect = () => new Promise((opened) => {
    es?.close();
    const stream = new EventSource('/api/events' + (target ? '?target=' + encodeURIComponent(target) : ''));
    es = stream;
    let connectedBefore = false;
    stream.addEventListener('open', () => {
      live.classList.add('on');
      // After a dropped connection the page may have missed changes: start over from fresh HTML.
      if (connectedBefore) location.reload();
      connectedBefore = true;
      opened();
    });
    stream.addEventListener('error', () => live.classList.remove('on'));
    stream.addEventListener('row', on(place));
    stream.addEventListener('positions', on(positions));
  });
  const apply = async () => {
    target = select.value;
    const url = target ? '/?target=' + encodeURIComponent(target) : '/';
    document.body.dataset.live = 'loading';
    held = [];
    try {
      // Subscribe first, then read the tables: a change in between is in both, and rows replace by id.
      await connect();
      const res = await fetch(url, { headers: { accept: 'text/html' } });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      for (const sel of ['#inflight tbody', '#recent tbody', 'p.counts']) {
        const fresh = doc.querySelector(sel);
        if (fresh) document.querySelector(sel)?.replaceWith(document.adoptNode(fresh));
      }
      history.replaceState(null, '', url);
    } catch {
      location.assign(url);
      return;
    }
    const pending = held;
    held = undefined;
    for (const run of pending) run();
    refreshEmpty();
    tick();
    document.body.dataset.live = 'ready';
  };
  if (select) {
    select.addEventListener('change', () => void apply());
    document.getElementById('target-apply').hidden = true;
  }
  void connect();
  setInterval(tick, 1000);
  document.body.dataset.live = 'ready';
})();
`;
