/** Slack events on the real web server's port, both ways it can be mounted, with a UI token set. */
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.ts';
import { startSlack, type SlackHandle } from '../../src/slack/index.ts';
import { startWebServer, type WebServer } from '../../src/web/server.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/server.ts';
import { eventBody, FAST_RETRY, reaction, SIGNING_SECRET, signedHeaders } from './helpers/harness.ts';
import { MemoryTicketStore } from '../helpers/memory-store.ts';

describe('Slack on the web server', () => {
  let fake: FakeSlack;
  let slack: SlackHandle;
  let web: WebServer;
  afterEach(async () => {
    await slack.close();
    await web.close();
    await fake.close();
  });

  for (const how of ['mounts', 'slackHandler'] as const) {
    it(`receives signed events through ${how}, past the UI token`, async () => {
      fake = await startFakeSlack();
      const store = new MemoryTicketStore();
      const config = configSchema.parse({
        port: 0,
        uiToken: 'ui-token-123456',
        slackBotToken: fake.botToken,
        slackSigningSecret: SIGNING_SECRET,
        slackApiUrl: fake.url,
      });
      slack = await startSlack({ config, store, retryConfig: FAST_RETRY });
      web = await startWebServer({
        config,
        store,
        ...(how === 'mounts' ? { mounts: [slack.mount!] } : { slackHandler: slack.handler! }),
      });
      const ts = fake.addMessage('C1', { user: 'UAUTHOR', text: 'add a totals row' });
      const body = JSON.stringify(eventBody(reaction('UREACT', 'C1', ts), 'EvW1'));
      const post = (headers: Record<string, string>) =>
        fetch(`${web.url}/slack/events`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...headers },
        });
      expect((await post(signedHeaders(body, { secret: 'wrong-secret-0000000' }))).status).toBe(401);
      expect((await post(signedHeaders(body))).status).toBe(200);
      await slack.idle();
      expect(store.tickets.size).toBe(1);
    });
  }
});
