/** The page shell: header with nav, optional scripted-model banner, CSP nonce for inline script. */
import { html, raw, type SafeHtml } from '../html.ts';

export interface PageOptions {
  title: string;
  /** Nonce of this response's Content-Security-Policy; the only inline script allowed. */
  nonce: string;
  body: SafeHtml;
  /** Inline script (trusted, written in this code base); runs with the nonce. */
  script?: string;
  /** The process runs the scripted model. */
  scripted?: boolean;
  nav?: 'queue' | 'prs' | 'evals' | 'none';
  /** Show the PRs nav entry (a forge that lists PRs is configured). */
  hasPrs?: boolean;
}

export function renderPage(o: PageOptions): string {
  const banner = o.scripted
    ? html`<div class="banner banner-scripted" role="note">
        Scripted model mode: tickets run on a replayed model, not a live LLM.
      </div>`
    : '';
  const nav =
    o.nav === 'none'
      ? ''
      : html`<nav aria-label="Main">
          <a href="/" class="${o.nav === 'queue' ? 'active' : ''}">Queue</a>
          ${o.hasPrs ? html`<a href="/prs" class="${o.nav === 'prs' ? 'active' : ''}">Pull requests</a>` : ''}
          <a href="/evals" class="${o.nav === 'evals' ? 'active' : ''}">Evals</a>
        </nav>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} · Loopwright</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body>
        <header class="top"><a class="brand" href="/">Loopwright</a>${nav}</header>
        ${banner}
        <main>${o.body}</main>
        ${
          o.script
            ? html`<script nonce="${o.nonce}">
                ${scriptText(o.script)};
              </script>`
            : ''
        }
      </body>
    </html> `.value;
}

/** Script source is trusted code; only `</script` needs neutralising so it cannot end the element. */
function scriptText(source: string): SafeHtml {
  return raw(source.replace(/<\/script/gi, '<\\/script'));
}
