/**
 * `fmt(ms)` for the pages' inline scripts: formatDuration (format.ts) in browser JavaScript, so
 * elapsed times ticking on the client read exactly like the ones the server rendered. Spliced into
 * each script at two spaces of indentation.
 */
export const CLIENT_FORMAT_DURATION = `const fmt = (ms) => {
    if (!(ms >= 0)) return '—';
    if (ms < 1000) return Math.round(ms) + ' ms';
    const s = ms / 1000;
    if (s < 60) return s.toFixed(1) + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + String(Math.floor(s % 60)).padStart(2, '0') + 's';
    return Math.floor(m / 60) + 'h ' + String(m % 60).padStart(2, '0') + 'm';
  };`;
