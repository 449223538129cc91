/**
 * Slack events in, tickets out: the trigger reaction, mentions of the bot, replies in a ticket's
 * thread and the removal of the trigger reaction. Every handler runs after Slack has been acked
 * and is idempotent on the message (`slack:<channel>:<ts>`), so retries and double reactions give
 * one ticket.
 */
import type { Logger } from '../core/log.ts';
import type { Ticket, TicketRequest } from '../core/ticket.ts';
import type { TicketStore } from '../tickets/types.ts';
import type { SlackApi } from './api.ts';
import { requestText, sameEmoji, stripMention, type SlackMessage } from './text.ts';
import {
  namedTarget,
  offerTargets,
  parseChoice,
  misnamedTarget,
  routeRequest,
  withoutTargetPrefix,
  settleOffer,
  type SlackTargets,
  type TargetChoice,
} from './routing.ts';
import type { Threads } from './thread.ts';

export interface IntakeOptions {
  api: SlackApi;
  store: TicketStore;
  threads: Threads;
  log: Logger;
  triggerEmoji: string;
  /** Allowed channel IDs; empty allows every channel the bot is in. */
  channels: string[];
  /** Allowed user IDs; empty allows everyone in an allowed channel. */
  users: string[];
  allowBots: boolean;
  /** The default target (a one-app deployment's only one). */
  target?: string;
  /** The targets and the channels mapped to them, for a deployment with several (routing.ts). */
  targets?: SlackTargets;
  /** The bot's own user and bot IDs (from auth.test), filled in once known. */
  identity: { userId?: string; botId?: string };
}

export interface ReactionEvent {
  user: string;
  reaction: string;
  item: { type: string; channel?: string; ts?: string };
}

/** A message, app_mention or thread reply event. */
export interface MessageEvent extends SlackMessage {
  channel: string;
  text?: string;
}

export const sourceKey = (channel: string, ts: string) => `slack:${channel}:${ts}`;

export class Intake {
  private readonly o: IntakeOptions;
  /** One intake per message at a time: concurrent reactions wait for the first and find its ticket. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(opts: IntakeOptions) {
    this.o = opts;
  }

  async reactionAdded(e: ReactionEvent): Promise<void> {
    const { channel, ts } = e.item;
    if (!sameEmoji(e.reaction, this.o.triggerEmoji) || e.item.type !== 'message' || !channel || !ts) return;
    if (!(await this.admit(channel, e.user))) return;
    await this.queueRouted(channel, ts, e.user);
  }

  /** Queues a message for its channel's target, or asks which target when that is not clear. */
  private async queueRouted(channel: string, ts: string, trigger: string): Promise<void> {
    const target = routeRequest(this.targets, channel);
    const existing = !target && (await this.o.store.findBySourceKey(sourceKey(channel, ts)));
    if (target || existing) return this.queueMessage(channel, ts, trigger, target || undefined);
    await offerTargets(this.o.api, this.targets, { channel, ts, kind: 'reaction', user: trigger });
  }

  /** A target button was clicked: queue the request it carries for that target. */
  async targetChosen(body: {
    user?: { id?: string };
    channel?: { id?: string };
    message?: { ts?: string };
    actions?: { value?: string }[];
  }): Promise<void> {
    const choice = parseChoice(body.actions?.[0]?.value, this.targets.names);
    const by = body.user?.id;
    if (!choice || !by || !(await this.admit(choice.channel, by))) return;
    if (choice.kind === 'reaction')
      await this.queueMessage(choice.channel, choice.ts, choice.user, choice.target);
    else await this.queueChosenMention(choice);
    if (body.channel?.id && body.message?.ts)
      await settleOffer(
        this.o.api,
        { channel: body.channel.id, ts: body.message.ts },
        { target: choice.target, by },
      );
  }

  /** A mention whose target was chosen by button: its text is read again from Slack. */
  private async queueChosenMention(c: TargetChoice): Promise<void> {
    const fetched = await this.fetchMessage(c.channel, c.ts);
    if (!fetched.ok) return;
    const words = stripMention(fetched.value.text ?? '', this.o.identity.userId);
    const req = requestText(withoutTargetPrefix(words, this.targets.names), fetched.value.files);
    if (req.unusable) return;
    const at = { channel: c.channel, ts: c.ts, thread_ts: c.threadTs, user: fetched.value.user ?? c.user };
    await this.queueTyped(at, req.text, undefined, c.target);
  }

  private get targets(): SlackTargets {
    return this.o.targets ?? { names: [this.o.target ?? 'datadesk'], byChannel: new Map() };
  }

  async reactionRemoved(e: ReactionEvent): Promise<void> {
    const { channel, ts } = e.item;
    if (!sameEmoji(e.reaction, this.o.triggerEmoji) || !channel || !ts) return;
    const ticket = await this.o.store.findBySourceKey(sourceKey(channel, ts));
    // Only whoever asked for it may take it back, and only before work starts.
    if (!ticket || (e.user !== ticket.request.trigger && e.user !== ticket.request.requester)) return;
    if (ticket.status !== 'queued') {
      if (ticket.status === 'running') {
        await this.ephemeral(
          channel,
          e.user,
          'That request is already being worked on; cancel it from its ticket page if needed.',
        );
      }
      return;
    }
    await this.o.store.cancel(ticket.id, `the ${this.o.triggerEmoji} reaction was removed`);
    this.o.log.info({ ticket: ticket.id, channel, ts }, 'ticket cancelled by reaction removal');
  }

  async appMention(e: MessageEvent): Promise<void> {
    if (!e.user || this.fromBot(e)) return;
    const inThread = e.thread_ts !== undefined && e.thread_ts !== e.ts;
    const words = stripMention(e.text ?? '', this.o.identity.userId);
    if (inThread && e.thread_ts) {
      const tracked = await this.ticketForThread(e.channel, e.thread_ts);
      if (tracked && (words || e.files?.length)) return this.reply({ ...e, text: words }, tracked);
      if (!words && !e.files?.length) {
        // A bare mention in a thread asks for the thread's parent message.
        if (!(await this.admit(e.channel, e.user))) return;
        return this.queueRouted(e.channel, e.thread_ts, e.user);
      }
    }
    if (!(await this.admit(e.channel, e.user))) return;
    const req = requestText(words, e.files);
    if (req.unusable) {
      await this.ephemeral(
        e.channel,
        e.user,
        req.unusable === 'only_files'
          ? 'I cannot see images or files. Describe the change in words, e.g. "@Loopwright make the orders table sortable".'
          : 'Tell me what to change, e.g. "@Loopwright make the orders table sortable", or mention me in the thread of a message that describes it.',
        e.thread_ts,
      );
      return;
    }
    // `@loopwright notebooks: …` names the target (even in another target's channel); else the
    // channel's, else the person chooses. A name that misses a target is asked about, not guessed.
    const names = this.targets.names;
    const named = namedTarget(req.text, names);
    const missed = !named && names.length > 1 ? misnamedTarget(req.text, names) : undefined;
    const target = missed ? undefined : routeRequest(this.targets, e.channel, named?.target);
    if (!target) {
      const ask = {
        channel: e.channel,
        ts: e.ts,
        threadTs: e.thread_ts,
        kind: 'mention' as const,
        user: e.user,
      };
      const why = missed
        ? `There is no app called "${missed}" here (the apps are ${names.join(', ')}).`
        : undefined;
      return offerTargets(this.o.api, this.targets, ask, why);
    }
    await this.queueTyped(e, named?.text || req.text, undefined, target);
  }

  /** A plain message event: only replies in a ticket's thread matter. */
  async message(e: MessageEvent): Promise<void> {
    if (!e.thread_ts || e.thread_ts === e.ts || !e.user) return;
    if (e.subtype && e.subtype !== 'file_share' && e.subtype !== 'thread_broadcast') return;
    if (this.fromBot(e)) return;
    // A reply that mentions the bot arrives again as app_mention, which handles it.
    if (this.o.identity.userId && (e.text ?? '').includes(`<@${this.o.identity.userId}`)) return;
    const ticketId = await this.ticketForThread(e.channel, e.thread_ts);
    if (ticketId) await this.reply(e, ticketId);
  }

  /** A reply in a ticket's thread: a clarification while it runs, a follow-up once the PR is open. */
  private async reply(e: MessageEvent, ticketId: string): Promise<void> {
    const ticket = await this.o.store.get(ticketId);
    if (!ticket || !e.user) return;
    // Only the person who asked steers the ticket; others may chat in the thread freely.
    if (e.user !== ticket.request.requester && e.user !== ticket.request.trigger) return;
    const req = requestText(e.text ?? '', e.files);
    if (req.unusable) return;
    if (ticket.status === 'queued' || ticket.status === 'running') {
      await this.once(`clarify:${e.channel}:${e.ts}`, async () => {
        await this.o.store.clarify(ticket.id, req.text);
        await this.o.api.bestEffort('reactions.add', { channel: e.channel, timestamp: e.ts, name: 'eyes' }, [
          'already_reacted',
        ]);
      });
      return;
    }
    if (ticket.status === 'pr_opened') {
      await this.queueTyped(e, req.text, ticket.id, ticket.target);
      return;
    }
    await this.ephemeral(
      e.channel,
      e.user,
      `That request ended (${ticket.status}). To try again, react with :${this.o.triggerEmoji}: to a message that describes it.`,
      e.thread_ts,
    );
  }

  /** Fetches a message and queues it; the reactor (or mentioner) is the trigger, its author the requester. */
  private async queueMessage(channel: string, ts: string, trigger: string, target?: string): Promise<void> {
    await this.once(sourceKey(channel, ts), async (key) => {
      const existing = await this.o.store.findBySourceKey(key);
      if (existing) {
        // Reacting again on a cancelled request queues it anew.
        if (existing.status === 'cancelled') {
          await this.o.store.retry(existing.id);
          this.o.log.info({ ticket: existing.id }, 'cancelled ticket queued again by reaction');
        }
        return;
      }
      const fetched = await this.fetchMessage(channel, ts);
      if (!fetched.ok) {
        this.o.log.warn({ channel, ts, error: fetched.error }, 'could not read the reacted message');
        await this.ephemeral(
          channel,
          trigger,
          `I could not read that message (${fetched.error}). Is Loopwright a member of this channel?`,
        );
        return;
      }
      const message = fetched.value;
      if (this.fromBot(message)) {
        await this.ephemeral(channel, trigger, 'Messages from bots do not become tickets here.');
        return;
      }
      const req = requestText(message.text ?? '', message.files);
      if (req.unusable) {
        await this.ephemeral(
          channel,
          trigger,
          req.unusable === 'only_files'
            ? 'That message only has files or images, and I cannot see them. Add a sentence that describes the change, then react again.'
            : 'That message has no text to work from.',
        );
        return;
      }
      const permalink = await this.permalink(channel, ts);
      await this.submit(target, {
        text: req.text,
        source: 'slack',
        requester: message.user ?? trigger,
        trigger,
        slack: {
          channel,
          ts,
          threadTs: message.thread_ts && message.thread_ts !== ts ? message.thread_ts : undefined,
          permalink,
        },
        sourceKey: key,
      });
    });
  }

  /**
   * Queues a request typed to the bot (a mention, or a reply that follows up an opened PR) once per
   * message: its author is the requester and the ticket's status lives in its thread.
   */
  private async queueTyped(
    e: { channel: string; ts: string; thread_ts?: string; user?: string },
    text: string,
    followUpOf?: string,
    target?: string,
  ): Promise<void> {
    await this.once(sourceKey(e.channel, e.ts), async (key) => {
      if (await this.o.store.findBySourceKey(key)) return;
      const permalink = await this.permalink(e.channel, e.ts);
      await this.submit(target, {
        text,
        source: 'slack',
        requester: e.user as string,
        slack: { channel: e.channel, ts: e.ts, threadTs: e.thread_ts, permalink },
        sourceKey: key,
        ...(followUpOf ? { followUpOf } : {}),
      });
    });
  }

  private async submit(target: string | undefined, request: TicketRequest): Promise<Ticket> {
    const { ticket, created } = await this.o.store.submit({ request, target: target ?? this.o.target });
    if (created) {
      this.o.threads.track(ticket);
      this.o.log.info({ ticket: ticket.id, sourceKey: request.sourceKey }, 'ticket queued from slack');
    }
    return ticket;
  }

  /** Top-level messages come from history; a thread reply only from its thread. */
  private async fetchMessage(channel: string, ts: string) {
    type Messages = { messages?: SlackMessage[] };
    const history = await this.o.api.call<Messages>('conversations.history', {
      channel,
      latest: ts,
      inclusive: true,
      limit: 1,
    });
    if (!history.ok) return history;
    const top = history.value.messages?.find((m) => m.ts === ts);
    if (top) return { ok: true as const, value: top };
    const replies = await this.o.api.call<Messages>('conversations.replies', { channel, ts, limit: 1000 });
    if (!replies.ok) return replies;
    const reply = replies.value.messages?.find((m) => m.ts === ts);
    return reply ? { ok: true as const, value: reply } : { ok: false as const, error: 'message_not_found' };
  }

  private async permalink(channel: string, ts: string): Promise<string | undefined> {
    const res = await this.o.api.bestEffort<{ permalink?: string }>('chat.getPermalink', {
      channel,
      message_ts: ts,
    });
    return res.ok ? res.value.permalink : undefined;
  }

  /** Allowlists of channels and users; a refusal is explained privately to the person. */
  private async admit(channel: string, user: string): Promise<boolean> {
    if (this.o.channels.length > 0 && !this.o.channels.includes(channel)) {
      await this.ephemeral(
        channel,
        user,
        'Loopwright does not take requests from this channel. Ask an admin to add it to LOOPWRIGHT_SLACK_CHANNELS.',
      );
      return false;
    }
    if (this.o.users.length > 0 && !this.o.users.includes(user)) {
      await this.ephemeral(
        channel,
        user,
        'You are not on the list of people who can send requests to Loopwright (LOOPWRIGHT_SLACK_USERS). Ask an admin.',
      );
      return false;
    }
    return true;
  }

  private fromBot(m: SlackMessage): boolean {
    const own =
      (m.bot_id && m.bot_id === this.o.identity.botId) || (m.user && m.user === this.o.identity.userId);
    if (own) return true;
    return !this.o.allowBots && (m.bot_id !== undefined || m.subtype === 'bot_message');
  }

  private async ephemeral(channel: string, user: string, text: string, threadTs?: string): Promise<void> {
    await this.o.api.bestEffort('chat.postEphemeral', {
      channel,
      user,
      text,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
  }

  private async ticketForThread(channel: string, threadTs: string): Promise<string | undefined> {
    return (
      this.o.threads.ticketInThread(channel, threadTs) ??
      (await this.o.store.findBySourceKey(sourceKey(channel, threadTs)))?.id
    );
  }

  private async once(key: string, fn: (key: string) => Promise<void>): Promise<void> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const p = fn(key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }
}
