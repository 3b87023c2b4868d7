import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build, freePort, start, stop, launch, artifacts } from './helpers.mjs';

// Two chat instances share rooms through a broker, the way a load balancer
// would spread pages over them: once through Redis, once through NATS
// (E2E_BROKER=redis or nats runs only one). The same checks as the
// one-instance test, with the pages of a room on different instances, then
// each instance restarted in turn under its pages.
const brokers = process.env.E2E_BROKER ? [process.env.E2E_BROKER] : ['redis', 'nats'];

for (const broker of brokers) {
  describe(`two chat instances sharing ${broker}`, () => {
    let browser, binary, env;
    const servers = [], addrs = [], bases = [];

    before(async () => {
      binary = build('chat');
      env = { NEXO_BROKER: broker, NEXO_CHANNEL_PREFIX: `e2e${broker}${Date.now()}:` };
      for (let i = 0; i < 2; i++) {
        addrs.push(`127.0.0.1:${await freePort()}`);
        servers.push(await start(binary, addrs[i], env));
        bases.push(`http://${addrs[i]}`);
      }
      browser = await launch();
    });

    after(async () => {
      await browser?.close();
      for (const s of servers) await stop(s);
    });

    async function open(base, path) {
      const page = await browser.newPage();
      page.on('pageerror', err => console.error('page error:', err));
      await page.goto(base + path);
      await page.waitForFunction(() => document.getElementById('status').textContent === 'open');
      return page;
    }
    const say = async (page, text) => { await page.fill('#text', text); await page.click('form button[type=submit]'); };
    const sees = (page, text) => page.waitForFunction(t => [...document.querySelectorAll('#log li')].some(li => li.textContent.includes(t)), text, { timeout: 10000 });
    const users = page => page.evaluate(() => window.nexoChat.users());
    const usersAre = async (page, want) => {
      await page.waitForFunction(w => JSON.stringify(window.nexoChat.users()) === w, JSON.stringify(want), { timeout: 10000 });
      assert.deepEqual(await users(page), want);
    };
    // count returns how many chat lines of a page contain text.
    const count = (page, text) => page.$$eval('#log li:not(.system)', (lis, t) => lis.filter(li => li.textContent.includes(t)).length, text);
    const isOpen = page => page.waitForFunction(() => document.getElementById('status').textContent === 'open', null, { timeout: 30000 });
    const isDown = page => page.waitForFunction(() => document.getElementById('status').textContent !== 'open');

    // restart stops instance i (graceful: its pages get 1001) and starts
    // it again on the same address.
    async function restart(i, pages, whileDown = async () => {}) {
      await stop(servers[i]);
      for (const p of pages) await isDown(p);
      await whileDown();
      servers[i] = await start(binary, addrs[i], env);
      for (const p of pages) await isOpen(p);
    }

    test('pages on two instances share a room, apart from another room, and survive each instance restarting', async () => {
      const ada = await open(bases[0], '/chat/lobby?name=ada');
      const bob = await open(bases[1], '/chat/lobby?name=bob');
      const eve = await open(bases[1], '/chat/general?name=eve');

      await say(ada, 'from instance one');
      await sees(bob, 'from instance one');
      await say(bob, 'from instance two');
      await sees(ada, 'from instance two');
      await usersAre(ada, ['ada', 'bob']);
      await usersAre(bob, ['ada', 'bob']);
      assert.deepEqual(await users(eve), ['eve']);

      // A private message crosses instances to its one addressee.
      await bob.click('#users button:text-is("ada")');
      await say(bob, 'psst, ada');
      await sees(ada, 'psst, ada');
      await sees(bob, 'psst, ada');
      await bob.click('#users button:text-is("ada")'); // back to the room

      // A newcomer on either instance gets the room's history from the broker.
      const cat = await open(bases[0], '/chat/lobby?name=cat');
      await sees(cat, 'from instance one');
      await sees(cat, 'from instance two');
      assert.equal(await count(cat, 'psst'), 0, 'a private message went into the history');
      await usersAre(bob, ['ada', 'bob', 'cat']);
      await bob.screenshot({ path: join(artifacts, `chat-two-instances-${broker}.png`) });
      await cat.close();
      await usersAre(ada, ['ada', 'bob']);

      // Instance one restarts under ada: bob, on instance two, posts while
      // she is away; she reconnects by herself and gets it once, from the
      // broker's history.
      await restart(0, [ada], async () => {
        await say(bob, 'while instance one was down');
        await sees(bob, 'while instance one was down');
      });
      await sees(ada, 'while instance one was down');
      await usersAre(ada, ['ada', 'bob']);
      await usersAre(bob, ['ada', 'bob']);

      // Then instance two restarts under bob and eve.
      await restart(1, [bob, eve], async () => {
        await say(ada, 'while instance two was down');
        await sees(ada, 'while instance two was down');
      });
      await sees(bob, 'while instance two was down');
      await say(bob, 'both restarted');
      await sees(ada, 'both restarted');
      await say(ada, 'and still talking');
      await sees(bob, 'and still talking');
      await usersAre(ada, ['ada', 'bob']);
      await usersAre(bob, ['ada', 'bob']);
      await usersAre(eve, ['eve']);

      for (const [page, name] of [[ada, 'ada'], [bob, 'bob']]) {
        for (const text of ['from instance one', 'while instance one was down', 'while instance two was down', 'both restarted']) {
          assert.equal(await count(page, text), 1, `${name} shows "${text}" ${await count(page, text)} times`);
        }
        const log = await page.textContent('#log');
        assert.ok(!log.includes('may be missing'), `${name} lost history across a restart: ${log}`);
      }
      const eveLog = await eve.textContent('#log');
      assert.ok(!/instance|psst|restarted|talking/.test(eveLog), `general heard the lobby: ${eveLog}`);
      await ada.screenshot({ path: join(artifacts, `chat-two-instances-${broker}-restarted.png`) });
    });
  });
}
