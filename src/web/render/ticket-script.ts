/**
 * The ticket page's inline script: appends transcript entries as they arrive over SSE, folds tool
 * results into their call, refreshes the head and stage timeline, and reloads once when the ticket
 * finishes so the evidence and diff appear. All HTML it inserts was rendered and escaped by the server.
 */
import { CLIENT_FORMAT_DURATION } from './client-format.ts';

export const TICKET_SCRIPT = `
(() => {
  'use strict';
  const root = document.getElementById('ticket');
  const id = root.dataset.id;
  ${CLIENT_FORMAT_DURATION}
  const tick = () => {
    for (const el of document.querySelectorAll('.elapsed[data-since]')) el.textContent = fmt(Date.now() - Number(el.dataset.since));
  };
  const frag = (markup) => {
    const tpl = document.createElement('template');
    tpl.innerHTML = markup.trim();
    return tpl.content;
  };
  const list = document.getElementById('transcript');
  const es = new EventSource('/api/events?ticket=' + encodeURIComponent(id));
  es.addEventListener('entry', (e) => {
    const msg = JSON.parse(e.data);
    const call = msg.callId && msg.kind === 'tool_result' ? document.getElementById('call-' + msg.callId) : null;
    if (call) {
      call.append(frag(msg.html));
      call.classList.remove('pending');
      call.classList.add(msg.ok ? 'ok' : 'fail');
      const dur = call.querySelector('.dur');
      if (dur && msg.duration) dur.textContent = msg.duration;
    } else {
      list.append(frag(msg.item || msg.html));
    }
  });
  es.addEventListener('ticket', (e) => {
    const msg = JSON.parse(e.data);
    document.getElementById('ticket-head').replaceChildren(frag(msg.head));
    document.getElementById('stages').replaceChildren(frag(msg.stages));
    if (msg.terminal && root.dataset.terminal !== '1') location.reload();
    tick();
  });
  setInterval(tick, 1000);
  document.body.dataset.live = 'ready';
})();
`;
