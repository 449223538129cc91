import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CodedError } from '../../src/core/errors.ts';
import { bindHost } from '../../src/web/auth.ts';
import { startWebServer } from '../../src/web/server.ts';
import { MemoryTicketStore } from '../helpers/memory-store.ts';
import { postJson, request } from './helpers/http.ts';
import { startHarness, tempHome, testConfig, type Harness } from './helpers/setup.ts';

const TOKEN = 'correct-horse-battery';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('binding', () => {
  it('refuses a public host without a token, with a clear coded error', async () => {
    expect(() => bindHost({ host: '0.0.0.0' })).toThrow(CodedError);
    expect(() => bindHost({ host: '0.0.0.0' })).toThrow(/without a UI token/);
    expect(bindHost({})).toBe('127.0.0.1');
    expect(bindHost({ host: '0.0.0.0', uiToken: TOKEN })).toBe('0.0.0.0');
    const home = tempHome();
    try {
      await expect(
        startWebServer({ config: testConfig(home.dir, { host: '0.0.0.0' }), store: new MemoryTicketStore() }),
      ).rejects.toMatchObject({ code: 'config_invalid' });
    } finally {
      home.cleanup();
    }
  });

  it('without a token, answers only its own host names (no DNS rebinding)', async () => {
    h = await startHarness();
    const port = new URL(h.server.url).port;
    const evil = await request(`${h.server.url}/api/tickets`, {
      headers: { host: `rebind.example:${port}` },
    });
    expect(evil.status).toBe(421);
    const ok = await request(`${h.server.url}/api/tickets`, { headers: { host: `localhost:${port}` } });
    expect(ok.status).toBe(200);
  });
});

describe('UI token', () => {
  it('guards pages and API; Bearer and the login cookie open them; exempt routes stay open', async () => {
    let slackBody = '';
    h = await startHarness({
      config: { uiToken: TOKEN },
      slackHandler: (req, res) => {
        slackBody = req.rawBody.toString();
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      },
    });
    const u = h.server.url;
    const page = await request(`${u}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2F');
    expect((await request(`${u}/api/tickets`)).status).toBe(401);
    expect((await request(`${u}/evidence/t1/head.webm`)).status).toBe(401);
    expect((await request(`${u}/metrics`)).status).toBe(401);
    expect(
      (await request(`${u}/api/tickets`, { headers: { authorization: 'Bearer wrong-token-value' } })).status,
    ).toBe(401);
    expect(
      (await request(`${u}/api/tickets`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);

    expect((await request(`${u}/healthz`)).status).toBe(200);
    const slack = await request(`${u}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'payload=%7B%22a%22%3A1%7D&x= y',
    });
    expect(slack.status).toBe(200);
    expect(slackBody).toBe('payload=%7B%22a%22%3A1%7D&x= y');

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = await request(`${u}/login`, { method: 'POST', headers: form, body: 'token=nope&next=%2F' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const login = await request(`${u}/login`, {
      method: 'POST',
      headers: form,
      body: `token=${TOKEN}&next=%2F%2Fevil.example`,
    });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/'); // no open redirect
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0] ?? '';
    expect((await request(`${u}/`, { headers: { cookie: session, accept: 'text/html' } })).status).toBe(200);
    const forged = `lw_session=${createHmac('sha256', 'another-token').update('loopwright-ui-session').digest('base64url')}`;
    expect((await request(`${u}/api/tickets`, { headers: { cookie: forged } })).status).toBe(401);
  });
});

describe('CSRF', () => {
  it('refuses state changes from other origins and accepts same-origin ones', async () => {
    h = await startHarness();
    const u = h.server.url;
    const cross = await postJson(
      `${u}/api/tickets`,
      { text: 'from evil' },
      { origin: 'http://evil.example' },
    );
    expect(cross.status).toBe(403);
    expect(cross.json<{ error: { code: string } }>().error.code).toBe('csrf');
    const nullOrigin = await postJson(`${u}/api/tickets`, { text: 'sandboxed frame' }, { origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    const sameSiteOtherPort = await postJson(
      `${u}/api/tickets`,
      { text: 'x' },
      { 'sec-fetch-site': 'same-site' },
    );
    expect(sameSiteOtherPort.status).toBe(403);
    const form = await request(`${u}/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: 'text=hi',
    });
    expect(form.status).toBe(403);
    expect(await h.store.list()).toHaveLength(0);

    const same = await postJson(
      `${u}/api/tickets`,
      { text: 'mine' },
      { origin: u, 'sec-fetch-site': 'same-origin' },
    );
    expect(same.status).toBe(201);
    const cli = await postJson(`${u}/api/tickets`, { text: 'from curl' });
    expect(cli.status).toBe(201);
  });

  it('with a token, a logged-in cookie does not make a cross-site request pass', async () => {
    h = await startHarness({ config: { uiToken: TOKEN } });
    const login = await request(`${h.server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    const session = login.headers['set-cookie']?.[0]?.split(';')[0] ?? '';
    const res = await postJson(
      `${h.server.url}/api/tickets`,
      { text: 'x' },
      { cookie: session, origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
    const ok = await postJson(
      `${h.server.url}/api/tickets`,
      { text: 'x' },
      { cookie: session, origin: h.server.url },
    );
    expect(ok.status).toBe(201);
  });
});

describe('mounts', () => {
  it('give mounted routes the raw body of any content type', async () => {
    let seen: Buffer | undefined;
    h = await startHarness({
      mounts: [
        (app) => {
          app.post('/github/webhook', async (req) => {
            seen = req.body as Buffer;
            return { ok: Buffer.isBuffer(req.body) };
          });
        },
      ],
    });
    const raw = '{"action":"opened",  "n":1}';
    const res = await request(`${h.server.url}/github/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://github.example' },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(seen?.toString()).toBe(raw);
    // JSON routes outside the mount still parse JSON.
    expect((await postJson(`${h.server.url}/api/tickets`, { text: 'x' })).status).toBe(201);
  });
});
