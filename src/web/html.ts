/**
 * HTML built with a tagged template that escapes every interpolation by default. Ticket text, agent
 * output, diffs and PR bodies are untrusted: only values already wrapped as `SafeHtml` (the result of
 * another `html` template or of a renderer that escaped its input) pass through unescaped.
 */

/** A string of HTML known to be safe to emit as is. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: nothing renders for null, undefined and false; arrays are concatenated. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\`` — every `${}` is escaped unless it is `SafeHtml`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as HtmlValue) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Marks trusted markup (constant strings written in this code base) as safe. Never pass user text. */
export const raw = (markup: string): SafeHtml => new SafeHtml(markup);

/** Joins fragments with a separator. */
export const join = (parts: readonly HtmlValue[], sep: HtmlValue = ''): SafeHtml =>
  new SafeHtml(parts.map(render).join(render(sep)));

/**
 * A URL safe for `href`/`src`: http(s), mailto, and same-site relative URLs pass; anything with
 * another scheme (`javascript:`, `data:`, `vbscript:`) becomes `#`. The result still goes through
 * escaping when interpolated.
 */
export function safeUrl(url: string, opts: { allowDataImage?: boolean } = {}): string {
  const trimmed = url.trim();
  // Browsers ignore tabs and newlines inside schemes ("java\nscript:"), so judge the URL without them.
  const probe = trimmed.replace(/[\u0000-\u001f\u007f\s]+/g, '').toLowerCase();
  if (/^(https?:|mailto:)/.test(probe)) return trimmed;
  if (opts.allowDataImage && /^data:image\/(png|gif|jpeg|webp);/.test(probe)) return trimmed;
  if (probe.startsWith('//')) return '#';
  if (/^[a-z][a-z0-9+.-]*:/.test(probe)) return '#';
  return trimmed;
}
