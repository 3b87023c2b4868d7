import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build, freePort, start, stop, launch, artifacts } from './helpers.mjs';

// Two chat instances share rooms through a broker, the way a load balancer
// would spread pages over them: once through Redis, once through NATS
// (E2E_BROKER=redis or nats runs only one).
const brokers = process.env.E2E_BROKER ? [process.env.E2E_BROKER] : ['redis', 'nats'];

for (const broker of brokers) {
  describe(`two chat instances sharing ${broker}`, () => {
    let browser, servers = [], bases = [];

    before(async () => {
      const binary = build('chat');
      const env = { NEXO_BROKER: broker, NEXO_CHANNEL_PREFIX: `e2e${broker}${Date.now()}:` };
      for (let i = 0; i < 2; i++) {
        const addr = `127.0.0.1:${await freePort()}`;
        servers.push(await start(binary, addr, env));
        bases.push(`http://${addr}`);
      }
      browser = await launch();
    });

    after(async () => {
      await browser?.close();
      for (const s of servers) await stop(s);
    });

    async function open(base, path) {
      const page = await browser.newPage();
      await page.goto(base + path);
      await page.waitForFunction(() => document.getElementById('status').textContent === 'open');
      return page;
    }
    const say = async (page, text) => { await page.fill('#text', text); await page.click('form button'); };
    const sees = (page, text) => page.waitForFunction(t => [...document.querySelectorAll('#log li')].some(li => li.textContent.includes(t)), text, { timeout: 10000 });

    test('pages on two instances share a room', async () => {
      const ada = await open(bases[0], '/chat/lobby?name=ada');
      const bob = await open(bases[1], '/chat/lobby?name=bob');
      await say(ada, 'from instance one');
      await sees(bob, 'from instance one');
      await say(bob, 'from instance two');
      await sees(ada, 'from instance two');
      await ada.waitForFunction(() => window.nexoChat.users().length === 2);
      await bob.waitForFunction(() => window.nexoChat.users().length === 2);
      assert.deepEqual(await ada.evaluate(() => window.nexoChat.users()), ['ada', 'bob']);
      assert.deepEqual(await bob.evaluate(() => window.nexoChat.users()), ['ada', 'bob']);
      // A newcomer on either instance gets the room's history from the broker.
      const cat = await open(bases[0], '/chat/lobby?name=cat');
      await sees(cat, 'from instance one');
      await sees(cat, 'from instance two');
      await bob.screenshot({ path: join(artifacts, `chat-two-instances-${broker}.png`) });
    });
  });
}
