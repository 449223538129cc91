/**
 * Which target a Slack request is for, when a deployment has several: a mention that names one
 * (`@loopwright notebooks: …`), else the target the channel is mapped to, else the only target;
 * otherwise the bot asks in the thread with one button per target, and the click (a Block Kit
 * `block_actions` payload through Bolt) queues the ticket.
 *
 * A named target beats the channel: someone who writes "@loopwright notebooks: …" in the dashboards
 * channel said which app they mean. A mention that tries to name one and misses ("notebook: …",
 * "dash: …") is asked about, even in a mapped channel: quietly sending it to the channel's target
 * would do the work on an app the person may not have meant. A prefix that looks like no target
 * ("Bug: …", "Note: …") is just part of the request.
 */
import type { SlackApi } from './api.ts';

/** The action id of the target buttons; Bolt routes their clicks to `Intake.targetChosen`. */
export const TARGET_ACTION = 'loopwright_target';

export interface SlackTargets {
  /** Target names, the default first. */
  names: string[];
  /** Channel → the one target it is mapped to. */
  byChannel: Map<string, string>;
}

export function slackTargets(targets: { name: string; slackChannels: string[] }[]): SlackTargets {
  const byChannel = new Map<string, string>();
  for (const t of targets) for (const c of t.slackChannels) byChannel.set(c, t.name);
  return { names: targets.map((t) => t.name), byChannel };
}

/** What a button carries back: enough to queue the request without remembering anything. */
export interface TargetChoice {
  target: string;
  channel: string;
  /** The message that holds the request. */
  ts: string;
  /** `reaction`: queue the message as a reaction would; `mention`: the typed text of a mention. */
  kind: 'reaction' | 'mention';
  /** Who asked (the reactor or the mentioner). */
  user: string;
  /** The mention's thread, when it was in one. */
  threadTs?: string;
}

/** `notebooks: make the table sortable` → the named target and the request without the name. */
export function namedTarget(text: string, names: string[]): { target: string; text: string } | undefined {
  const m = /^\s*([\w.-]{1,64})\s*:\s*([\s\S]*)$/.exec(text);
  if (!m) return undefined;
  const target = names.find((n) => n.toLowerCase() === m[1]!.toLowerCase());
  return target ? { target, text: m[2]!.trim() } : undefined;
}

/**
 * `notebook: …` when the targets are dashboards and notebooks: the prefix a mention used as a
 * target name that is none, but close to one (at most two edits apart, one for a short name).
 * Undefined for an exact name and for a prefix like no target.
 */
export function misnamedTarget(text: string, names: string[]): string | undefined {
  const m = /^\s*([\w.-]{1,64})\s*:/.exec(text);
  const word = m?.[1]?.toLowerCase();
  if (!word || names.some((n) => n.toLowerCase() === word)) return undefined;
  // Near: a typo or a plural away ("notebook", "dashbaords"); short names allow one edit only, so
  // an everyday prefix ("Note:", "Bug:", "Todo:") stays part of the request.
  const near = (name: string) => {
    const n = name.toLowerCase();
    return word.length >= 4 && editDistance(word, n) <= (n.length < 6 ? 1 : 2);
  };
  return names.some(near) ? m![1] : undefined;
}

/** Levenshtein distance, for short names. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The request without a target prefix, named or misnamed (`notebook: sort it` → `sort it`). */
export function withoutTargetPrefix(text: string, names: string[]): string {
  const named = namedTarget(text, names);
  if (named) return named.text;
  return misnamedTarget(text, names) ? text.replace(/^\s*[\w.-]{1,64}\s*:\s*/, '') : text;
}

/** The target a request goes to without asking, or undefined when the person must choose. */
export function routeRequest(t: SlackTargets, channel: string, named?: string): string | undefined {
  if (named) return named;
  return t.byChannel.get(channel) ?? (t.names.length === 1 ? t.names[0] : undefined);
}

/** Asks in the request's thread which target it is for: one button per target. */
export async function offerTargets(
  api: SlackApi,
  t: SlackTargets,
  ask: Omit<TargetChoice, 'target'>,
  /** Why the bot asks, said first (e.g. the name it did not know). */
  why?: string,
): Promise<void> {
  const text = `${why ? `${why} ` : ''}Which app is this request for?`;
  const buttons = t.names.map((target) => ({
    type: 'button',
    action_id: `${TARGET_ACTION}:${target}`,
    text: { type: 'plain_text', text: target },
    value: JSON.stringify({ ...ask, target } satisfies TargetChoice),
  }));
  await api.bestEffort('chat.postMessage', {
    channel: ask.channel,
    thread_ts: ask.threadTs ?? ask.ts,
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `<@${ask.user}> ${text}` } },
      { type: 'actions', block_id: TARGET_ACTION, elements: buttons },
    ],
  });
}

/** The choice a clicked button carries; undefined when the payload is not one of ours. */
export function parseChoice(value: string | undefined, names: string[]): TargetChoice | undefined {
  if (!value) return undefined;
  try {
    const c = JSON.parse(value) as Partial<TargetChoice>;
    if (!c.target || !names.includes(c.target) || !c.channel || !c.ts || !c.user) return undefined;
    if (c.kind !== 'reaction' && c.kind !== 'mention') return undefined;
    return c as TargetChoice;
  } catch {
    return undefined;
  }
}

/** After the click: the question becomes a line saying who chose what. */
export async function settleOffer(
  api: SlackApi,
  where: { channel: string; ts: string },
  choice: { target: string; by: string },
): Promise<void> {
  const text = `<@${choice.by}> chose ${choice.target}: queued.`;
  await api.bestEffort('chat.update', {
    channel: where.channel,
    ts: where.ts,
    text,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  });
}
