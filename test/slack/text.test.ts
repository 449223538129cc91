/** Pure pieces: Slack text decoding, the status message, the app manifest. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emptyUsage, type Ticket } from '../../src/core/ticket.ts';
import { formatDuration, proofLine, statusMessage } from '../../src/slack/blocks.ts';
import { decodeSlackText, sameEmoji, stripMention } from '../../src/slack/text.ts';

const ticket = (patch: Partial<Ticket> = {}): Ticket => ({
  id: 't9',
  status: 'queued',
  stage: 'queued',
  target: 'datadesk',
  request: { text: 'x', source: 'slack', requester: 'U1' },
  usage: emptyUsage(),
  timings: {},
  attempts: 0,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...patch,
});

describe('slack text', () => {
  it('decodes mentions, channels, special mentions, links and mailto', () => {
    expect(
      decodeSlackText(
        '<@U1|ana> <#C1> <!subteam^S1|@design> <mailto:a@b.test|a@b.test> <https://a.test|https://a.test>',
      ),
    ).toBe('@ana #C1 @design a@b.test https://a.test');
  });

  it('strips only the bot mention', () => {
    expect(stripMention('<@UBOT> ask <@U2> about <@UBOT|loopwright> it', 'UBOT')).toBe('ask <@U2> about it');
    expect(sameEmoji(':robot_face:', 'robot_face')).toBe(true);
    expect(sameEmoji('robot', 'robot_face')).toBe(false);
  });

  it('states partial proof honestly', () => {
    expect(
      proofLine(
        ticket({
          evidence: {
            dir: 'd',
            manifest: 'm',
            screenshots: [],
            proof: { base: 'failed', head: ['passed', 'failed'] },
          },
        }),
      ),
    ).toBe('fails before, passes after 1 of 2 runs');
    expect(formatDuration(3_725_000)).toBe('1h 2m');
  });

  it('keeps every section under Slack’s 3,000-character text limit and escapes the request', () => {
    const msg = statusMessage({
      ticket: ticket({ request: { text: `<b>${'a'.repeat(5000)}`, source: 'slack', requester: 'U1' } }),
      ticketUrl: 'http://h/t',
    });
    for (const block of msg.blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThan(3000);
    }
    expect(JSON.stringify(msg.blocks)).toContain('&lt;b&gt;');
  });
});

describe('slack-app-manifest.yml', () => {
  it('subscribes to every event the app listens to, with the scopes they need', () => {
    const m = parse(readFileSync(new URL('../../slack-app-manifest.yml', import.meta.url), 'utf8'));
    expect(m.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['app_mention', 'reaction_added', 'reaction_removed', 'message.channels']),
    );
    expect(m.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'app_mentions:read',
        'channels:history',
        'chat:write',
        'reactions:read',
        'reactions:write',
      ]),
    );
  });
});
