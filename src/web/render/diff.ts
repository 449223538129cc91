/** Unified diffs rendered per file with +/- colouring. Pure; the patch text is untrusted. */
import { html, type SafeHtml } from '../html.ts';

export type DiffLineKind = 'add' | 'del' | 'ctx' | 'hunk' | 'meta';

export interface DiffFile {
  path: string;
  oldPath?: string;
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  additions: number;
  deletions: number;
  binary: boolean;
  lines: { kind: DiffLineKind; text: string }[];
}

/** Splits a `git diff` (or plain unified diff) into files. */
export function parseDiff(patch: string): DiffFile[] {
  const files: DiffFile[] = [];
  let cur: DiffFile | undefined;
  let inHunk = false;
  const start = (path: string, oldPath?: string) => {
    cur = { path, oldPath, status: 'modified', additions: 0, deletions: 0, binary: false, lines: [] };
    files.push(cur);
    inHunk = false;
  };
  for (const line of patch.replace(/\r\n/g, '\n').split('\n')) {
    const git = /^diff --git a\/(.+?) b\/(.+)$/.exec(line);
    if (git) {
      start(git[2] ?? '', git[1] !== git[2] ? git[1] : undefined);
      continue;
    }
    if (line.startsWith('--- ') && !inHunk) {
      if (!cur) start(line.slice(4).replace(/^a\//, ''));
      if (cur && line === '--- /dev/null') cur.status = 'added';
      continue;
    }
    if (line.startsWith('+++ ') && !inHunk && cur) {
      const p = line.slice(4);
      if (p === '/dev/null') cur.status = 'deleted';
      else cur.path = p.replace(/^b\//, '');
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('@@')) {
      inHunk = true;
      cur.lines.push({ kind: 'hunk', text: line });
    } else if (!inHunk) {
      if (line.startsWith('new file')) cur.status = 'added';
      else if (line.startsWith('deleted file')) cur.status = 'deleted';
      else if (line.startsWith('rename from')) cur.status = 'renamed';
      else if (line.startsWith('Binary files')) cur.binary = true;
    } else if (line.startsWith('+')) {
      cur.additions++;
      cur.lines.push({ kind: 'add', text: line });
    } else if (line.startsWith('-')) {
      cur.deletions++;
      cur.lines.push({ kind: 'del', text: line });
    } else if (line.startsWith('\\')) {
      cur.lines.push({ kind: 'meta', text: line });
    } else if (line !== '' || cur.lines.length) {
      cur.lines.push({ kind: 'ctx', text: line });
    }
  }
  for (const f of files) {
    while (f.lines.length && f.lines.at(-1)?.kind === 'ctx' && f.lines.at(-1)?.text === '') f.lines.pop();
    if (f.oldPath && f.status === 'modified') f.status = 'renamed';
  }
  return files;
}

export interface DiffRenderOptions {
  /** Files with more lines start collapsed. */
  collapseOver?: number;
  /** Lines shown per file before the rest is cut (the raw patch stays downloadable). */
  maxLinesPerFile?: number;
}

export function renderDiff(patch: string, opts: DiffRenderOptions = {}): SafeHtml {
  const files = parseDiff(patch);
  if (!files.length) return html`<p class="empty">No changes.</p>`;
  const collapseOver = opts.collapseOver ?? 400;
  const maxLines = opts.maxLinesPerFile ?? 2000;
  const adds = files.reduce((n, f) => n + f.additions, 0);
  const dels = files.reduce((n, f) => n + f.deletions, 0);
  return html`<div class="diff">
    <p class="diffstat">
      ${files.length} file${files.length === 1 ? '' : 's'} changed, <span class="add">+${adds}</span>
      <span class="del">−${dels}</span>
    </p>
    ${files.map((f) => {
      const shown = f.lines.slice(0, maxLines);
      const cut = f.lines.length - shown.length;
      return html`<details class="diff-file" ${f.lines.length <= collapseOver ? ' open' : ''}>
        <summary>
          <span class="file-status ${f.status}">${f.status}</span>
          <code>${f.oldPath && f.status === 'renamed' ? `${f.oldPath} → ${f.path}` : f.path}</code>
          <span class="add">+${f.additions}</span> <span class="del">−${f.deletions}</span>
        </summary>
        ${
          f.binary
            ? html`<p class="empty">Binary file.</p>`
            : html`<pre class="diff-body">
${shown.map((l) => html`<span class="dl ${l.kind}">${l.text || ' '}</span>`)}</pre>`
        }
        ${cut > 0 ? html`<p class="empty">${cut} more lines not shown.</p>` : ''}
      </details>`;
    })}
  </div>`;
}
