/**
 * Follows tickets that came from Slack: one status message in the request's thread, posted once
 * and updated in place as the ticket moves, plus reactions on the original message. Driven by the
 * store's change feed, so it works the same whether the worker runs here or on another machine.
 * Every Slack failure is logged and dropped: the thread is a view, never a reason to fail a ticket.
 */
import path from 'node:path';
import type { Logger } from '../core/log.ts';
import { isTerminal, type Ticket, type TicketStatus } from '../core/ticket.ts';
import type { TicketStore } from '../tickets/types.ts';
import type { SlackApi } from './api.ts';
import { statusMessage } from './blocks.ts';

export interface ThreadOptions {
  api: SlackApi;
  store: TicketStore;
  log: Logger;
  /** Base URL of the queue page (LOOPWRIGHT_PUBLIC_URL or http://127.0.0.1:port), no trailing slash. */
  baseUrl: string;
  /** True when baseUrl is reachable from Slack's servers, so images can be shown inline. */
  publicMedia: boolean;
}

/** The reaction a status leaves on the original message; the others of this set are removed. */
const STATUS_REACTION: Record<TicketStatus, string | undefined> = {
  queued: 'eyes',
  running: 'eyes',
  pr_opened: 'white_check_mark',
  failed: 'x',
  rejected: 'no_entry',
  cancelled: undefined,
};

/** `channel:threadTs`: the thread a Slack ticket's status lives in. */
export function threadKey(slack: NonNullable<Ticket['request']['slack']>): string {
  return `${slack.channel}:${slack.threadTs ?? slack.ts}`;
}

export class Threads {
  private readonly opts: ThreadOptions;
  /** Newest ticket per thread, so thread replies find their ticket. */
  private readonly byThread = new Map<string, string>();
  private readonly statusTs = new Map<string, string>();
  private readonly rendered = new Map<string, string>();
  private readonly reaction = new Map<string, string | undefined>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<string>();
  /** Slack tickets waiting in the queue: their position changes when any other ticket moves. */
  private readonly queued = new Set<string>();
  /** Last status seen per ticket on the change feed, to notice tickets leaving the queue. */
  private readonly lastStatus = new Map<string, string>();
  private unsubscribe?: () => void;

  constructor(opts: ThreadOptions) {
    this.opts = opts;
  }

  /** Recovers threads of recent tickets, then follows the store's changes. */
  async start(): Promise<void> {
    this.unsubscribe = this.opts.store.subscribe(({ ticket }) => this.onChange(ticket));
    const recent = await this.opts.store.list({ limit: 500 });
    // Oldest first, so the newest ticket of a thread wins the thread.
    for (const ticket of recent.reverse()) {
      const slack = ticket.request.slack;
      if (ticket.request.source !== 'slack' || !slack) continue;
      this.byThread.set(threadKey(slack), ticket.id);
      if (slack.statusTs) this.statusTs.set(ticket.id, slack.statusTs);
      this.reaction.set(ticket.id, STATUS_REACTION[ticket.status]);
      if (!isTerminal(ticket.status)) {
        // What the thread showed before a restart is unknown: render once.
        this.lastStatus.set(ticket.id, ticket.status);
        this.schedule(ticket.id);
      }
    }
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Starts following a ticket the intake just created. */
  track(ticket: Ticket): void {
    const slack = ticket.request.slack;
    if (!slack) return;
    this.byThread.set(threadKey(slack), ticket.id);
    this.schedule(ticket.id);
  }

  /** The newest ticket whose status lives in this thread. */
  ticketInThread(channel: string, threadTs: string): string | undefined {
    return this.byThread.get(`${channel}:${threadTs}`);
  }

  /** Resolves when every scheduled update has settled (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const chains = [...this.chains.values()];
      await Promise.all(chains);
      if ([...this.chains.values()].every((c) => chains.includes(c)) && this.pending.size === 0) return;
    }
  }

  private onChange(ticket: Ticket): void {
    if (ticket.request.source === 'slack' && ticket.request.slack) {
      if (!this.byThread.has(threadKey(ticket.request.slack)))
        this.byThread.set(threadKey(ticket.request.slack), ticket.id);
      this.schedule(ticket.id);
    }
    // A ticket that leaves the queue moves everyone behind it up one place; nothing else does.
    const before = this.lastStatus.get(ticket.id);
    if (isTerminal(ticket.status)) this.lastStatus.delete(ticket.id);
    else this.lastStatus.set(ticket.id, ticket.status);
    if (
      ticket.status !== 'queued' &&
      (before === 'queued' || (before === undefined && ticket.status === 'running'))
    ) {
      for (const id of this.queued) if (id !== ticket.id) this.schedule(id);
    }
  }

  /** Queues a render of the ticket's newest state; renders of one ticket never overlap. */
  private schedule(id: string): void {
    if (this.pending.has(id)) return;
    this.pending.add(id);
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(async () => {
      this.pending.delete(id);
      try {
        await this.render(id);
      } catch (error) {
        this.opts.log.warn({ ticket: id, err: error }, 'slack thread update failed');
      }
    });
    this.chains.set(id, next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
  }

  private async render(id: string): Promise<void> {
    const { store, api, baseUrl } = this.opts;
    const ticket = await store.get(id);
    const slack = ticket?.request.slack;
    if (!ticket || !slack) return;
    if (ticket.status === 'queued') this.queued.add(id);
    else this.queued.delete(id);

    const position = ticket.status === 'queued' ? await store.position(id) : undefined;
    const message = statusMessage({
      ticket,
      position,
      ticketUrl: `${baseUrl}/tickets/${encodeURIComponent(id)}`,
      ...this.media(ticket),
    });
    const rendered = JSON.stringify(message);
    if (this.rendered.get(id) !== rendered) {
      const channel = slack.channel;
      const known = this.statusTs.get(id) ?? slack.statusTs;
      let posted = false;
      if (known) {
        const res = await api.bestEffort('chat.update', { channel, ts: known, ...message }, [
          'message_not_found',
        ]);
        posted = res.ok;
        // Someone deleted the status message: post a new one rather than go quiet.
        if (!res.ok && res.error === 'message_not_found') this.statusTs.delete(id);
      }
      if (!posted && !this.statusTs.has(id)) {
        const res = await api.bestEffort<{ ts?: string }>('chat.postMessage', {
          channel,
          thread_ts: slack.threadTs ?? slack.ts,
          unfurl_links: false,
          unfurl_media: false,
          ...message,
        });
        if (res.ok && res.value.ts) {
          posted = true;
          this.statusTs.set(id, res.value.ts);
          await this.persistStatusTs(id, res.value.ts);
        }
      }
      if (posted) this.rendered.set(id, rendered);
    }
    await this.react(ticket);
  }

  /** Keeps the status message's ts on the ticket, so a restarted process updates the same message. */
  private async persistStatusTs(id: string, statusTs: string): Promise<void> {
    await this.opts.store.setSlackStatusTs(id, statusTs);
  }

  private async react(ticket: Ticket): Promise<void> {
    const slack = ticket.request.slack;
    if (!slack) return;
    const want = STATUS_REACTION[ticket.status];
    const had = this.reaction.get(ticket.id);
    if (this.reaction.has(ticket.id) && had === want) return;
    this.reaction.set(ticket.id, want);
    const item = { channel: slack.channel, timestamp: slack.ts };
    if (had) await this.opts.api.bestEffort('reactions.remove', { ...item, name: had }, ['no_reaction']);
    if (want) await this.opts.api.bestEffort('reactions.add', { ...item, name: want }, ['already_reacted']);
  }

  /** The GIF inline when Slack can fetch it; otherwise a link to the video on the queue page. */
  private media(ticket: Ticket): { imageUrl?: string; evidenceUrl?: string } {
    const ev = ticket.evidence;
    if (!ev) return {};
    const url = (file: string) => {
      const rel = path.isAbsolute(file) ? path.relative(ev.dir, file) : file;
      return `${this.opts.baseUrl}/evidence/${encodeURIComponent(ticket.id)}/${rel.split(path.sep).map(encodeURIComponent).join('/')}`;
    };
    const still = ev.gif ?? ev.screenshots.at(-1);
    const imageUrl = this.opts.publicMedia && still ? url(still) : undefined;
    const link = ev.video ?? ev.gif ?? ev.screenshots.at(-1);
    return {
      imageUrl,
      evidenceUrl: link ? url(link) : `${this.opts.baseUrl}/tickets/${encodeURIComponent(ticket.id)}`,
    };
  }
}
