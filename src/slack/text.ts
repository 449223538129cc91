/**
 * Turning a Slack message into ticket text: Slack's mrkdwn link syntax and HTML entities decoded,
 * attached files named (their content is never fetched), very long requests cut with a notice.
 */

/** Longest request text a ticket keeps; the rest is cut with a notice. */
export const MAX_REQUEST_CHARS = 12_000;

/** The parts of a Slack message the intake reads (events and conversations.history share them). */
export interface SlackMessage {
  ts: string;
  text?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  thread_ts?: string;
  files?: { name?: string; title?: string; mimetype?: string; filetype?: string }[];
}

/**
 * Decodes Slack's wire format into plain text a model reads well: `<@U1>` → `@U1`,
 * `<#C1|general>` → `#general`, `<https://x|docs>` → `docs (https://x)`, `&lt;` → `<`.
 * Real angle brackets only ever appear as link syntax (Slack escapes typed ones as `&lt;`), so
 * code blocks come through intact.
 */
export function decodeSlackText(text: string): string {
  const linked = text.replace(/<([^<>\n]+)>/g, (_all, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar === -1 ? inner : inner.slice(0, bar);
    const label = bar === -1 ? undefined : inner.slice(bar + 1);
    if (target.startsWith('@')) return `@${label ?? target.slice(1)}`;
    if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
    if (target.startsWith('!subteam^')) return label ?? `@${target.slice('!subteam^'.length)}`;
    if (target.startsWith('!date^')) return label ?? target;
    if (target.startsWith('!')) return `@${target.slice(1)}`;
    const url = target.startsWith('mailto:') ? target.slice('mailto:'.length) : target;
    if (label === undefined || label === url || label === target) return url;
    return `${label} (${url})`;
  });
  return linked.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Removes mentions of the bot (`<@UBOT>` or `<@UBOT|name>`) from raw Slack text. */
export function stripMention(text: string, botUserId: string | undefined): string {
  const re = botUserId ? new RegExp(`<@${escapeRe(botUserId)}(?:\\|[^>]*)?>`, 'g') : /^\s*<@[^>]+>/;
  return text
    .replace(re, '')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** One line naming the attached files, or '' when there are none. */
export function describeFiles(files: SlackMessage['files']): string {
  if (!files || files.length === 0) return '';
  const names = files.map((f) => {
    const name = f.name || f.title || 'unnamed file';
    const kind = f.mimetype || f.filetype;
    return kind ? `${name} (${kind})` : name;
  });
  return `Attached files (not fetched): ${names.join(', ')}`;
}

export interface RequestText {
  text: string;
  /** Set when the message was longer than MAX_REQUEST_CHARS: its original length in characters. */
  truncatedFrom?: number;
  /** Why the message cannot become a ticket; absent when it can. */
  unusable?: 'empty' | 'only_files';
}

/**
 * The ticket text of a message: decoded text, files named, cut to MAX_REQUEST_CHARS. A message with
 * no words is unusable: the agent cannot see images, so an image alone asks for nothing it can do.
 */
export function requestText(rawText: string, files: SlackMessage['files']): RequestText {
  const body = decodeSlackText(rawText).trim();
  const fileLine = describeFiles(files);
  if (!body) return { text: fileLine, unusable: fileLine ? 'only_files' : 'empty' };
  const chars = Array.from(body);
  let text = body;
  let truncatedFrom: number | undefined;
  if (chars.length > MAX_REQUEST_CHARS) {
    truncatedFrom = chars.length;
    // Cut on code points so an emoji or other astral character is never split in half.
    text =
      chars.slice(0, MAX_REQUEST_CHARS).join('') +
      `\n\n[Request truncated: the message had ${truncatedFrom.toLocaleString('en-US')} characters; ` +
      `only the first ${MAX_REQUEST_CHARS.toLocaleString('en-US')} are used.]`;
  }
  return { text: fileLine ? `${text}\n\n${fileLine}` : text, truncatedFrom };
}

/** The first line or so of a request, for the thread message. */
export function excerpt(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(line);
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}

/** Trigger emoji names as Slack sends them: `robot_face` or `robot_face::skin-tone-3`. */
export function sameEmoji(reaction: string, trigger: string): boolean {
  const clean = (s: string) => s.replace(/^:|:$/g, '').split('::')[0];
  return clean(reaction) === clean(trigger);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
