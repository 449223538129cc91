/**
 * A small, safe Markdown renderer for PR bodies: headings, paragraphs, lists with task checkboxes,
 * fenced code, tables, images, links, inline code, bold and italics, and `<details>`/`<summary>`
 * blocks. Every other character is escaped, so raw HTML in the body shows as text and cannot run.
 */
import { SafeHtml, escapeHtml, safeUrl } from './html.ts';

/** Renders inline Markdown of one line (already split from blocks). */
export function renderInline(text: string): string {
  const codes: string[] = [];
  // Inline code first, so its content is not read as links or emphasis.
  let s = text.replace(/`([^`]+)`/g, (_m, code: string) => {
    codes.push(`<code>${escapeHtml(code)}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = escapeHtml(s);
  s = s.replace(/!\[([^\]]*)\]\(([^)\s]+)(?:\s+&quot;[^)]*&quot;)?\)/g, (_m, alt: string, src: string) => {
    const url = safeUrl(unescapeEntities(src));
    return `<img src="${escapeHtml(url)}" alt="${alt}" loading="lazy">`;
  });
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, label: string, href: string) => {
    const url = safeUrl(unescapeEntities(href));
    return `<a href="${escapeHtml(url)}" rel="noopener noreferrer">${label}</a>`;
  });
  s = s.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/(^|[\s(])[*_]([^*_\s][^*_]*?)[*_](?=$|[\s).,;:!?])/g, '$1<em>$2</em>');
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)] ?? '');
}

function unescapeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const LIST_ITEM = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

function listItem(content: string): string {
  const task = /^\[([ xX])\]\s+(.*)$/.exec(content);
  if (task) {
    const checked = task[1] !== ' ' ? ' checked' : '';
    return `<li class="task"><input type="checkbox" disabled${checked}> ${renderInline(task[2] ?? '')}</li>`;
  }
  return `<li>${renderInline(content)}</li>`;
}

/** Renders a Markdown document to safe HTML. */
export function renderMarkdown(source: string): SafeHtml {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let para: string[] = [];
  const flush = () => {
    if (para.length) out.push(`<p>${para.map(renderInline).join('<br>')}</p>`);
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    const fence = /^(`{3,}|~{3,})\s*([\w+-]*)/.exec(trimmed);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? '').trim().startsWith(fence[1] ?? '```'); i++)
        code.push(lines[i] ?? '');
      const lang = fence[2] ? ` class="lang-${escapeHtml(fence[2])}"` : '';
      out.push(`<pre><code${lang}>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    if (trimmed === '') {
      flush();
      continue;
    }
    if (/^<details( open)?>$/i.test(trimmed)) {
      flush();
      out.push(/open/i.test(trimmed) ? '<details open>' : '<details>');
      continue;
    }
    if (/^<\/details>$/i.test(trimmed)) {
      flush();
      out.push('</details>');
      continue;
    }
    const summary = /^<summary>(.*)<\/summary>$/i.exec(trimmed);
    if (summary) {
      flush();
      out.push(`<summary>${renderInline(summary[1] ?? '')}</summary>`);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*$/.exec(trimmed);
    if (heading) {
      flush();
      const level = heading[1]?.length ?? 1;
      out.push(`<h${level}>${renderInline(heading[2] ?? '')}</h${level}>`);
      continue;
    }
    if (/^(-{3,}|\*{3,}|_{3,})$/.test(trimmed)) {
      flush();
      out.push('<hr>');
      continue;
    }
    if (trimmed.startsWith('>')) {
      flush();
      const quote: string[] = [];
      for (; i < lines.length && (lines[i] ?? '').trim().startsWith('>'); i++) {
        quote.push((lines[i] ?? '').trim().replace(/^>\s?/, ''));
      }
      i--;
      out.push(`<blockquote>${renderMarkdown(quote.join('\n')).value}</blockquote>`);
      continue;
    }
    if (trimmed.includes('|') && TABLE_SEP.test(lines[i + 1] ?? '')) {
      flush();
      const head = splitRow(trimmed);
      const rows: string[][] = [];
      for (
        i += 2;
        i < lines.length && (lines[i] ?? '').includes('|') && (lines[i] ?? '').trim() !== '';
        i++
      ) {
        rows.push(splitRow(lines[i] ?? ''));
      }
      i--;
      out.push(
        `<table><thead><tr>${head.map((c) => `<th>${renderInline(c)}</th>`).join('')}</tr></thead><tbody>` +
          rows.map((r) => `<tr>${r.map((c) => `<td>${renderInline(c)}</td>`).join('')}</tr>`).join('') +
          '</tbody></table>',
      );
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      flush();
      const ordered = /\d/.test(item[2] ?? '');
      const items: string[] = [];
      for (; i < lines.length; i++) {
        const m = LIST_ITEM.exec(lines[i] ?? '');
        if (m && /\d/.test(m[2] ?? '') !== ordered) break;
        if (m) items.push(listItem(m[3] ?? ''));
        else if ((lines[i] ?? '').trim() !== '' && /^\s+/.test(lines[i] ?? '') && items.length) {
          // A continuation line of the previous item.
          const last = items.pop() ?? '';
          items.push(last.replace(/<\/li>$/, ` ${renderInline((lines[i] ?? '').trim())}</li>`));
        } else break;
      }
      i--;
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.join('')}</${tag}>`);
      continue;
    }
    para.push(trimmed);
  }
  flush();
  return new SafeHtml(out.join('\n'));
}
