import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, build, freePort, start, stop, spawnTracked, launch, artifacts } from './helpers.mjs';

// docs/deployment.md's nginx block, run by a real nginx in front of two
// chat instances sharing Redis, with no sticky sessions: the pages of a
// room chat through it, whichever instance least_conn gives each one, and
// reconnect through it when their instance restarts. For a local run the
// block is changed only where it must be: a plain loopback listener for
// `listen 443 ssl`, the two instances for the example upstream servers,
// no `http2 on` (nginx 1.22 of Debian 12 predates the directive), and
// `$http_host` for `$host`, which drops the port of this non-default
// listener (deployment.md says so).
let browser, nginx, base, binary, env;
const servers = [], addrs = [];

function nginxConfig(block, listen, upstreams, dir) {
  const conf = block
    .replace(/listen 443 ssl;/, `listen ${listen};`)
    .replace(/^\s*http2 on;.*$/m, '')
    .replace(/proxy_set_header Host \$host;/, 'proxy_set_header Host $http_host;')
    .replace(/(\s*server 10\.0\.0\.11:8000;)\n\s*server 10\.0\.0\.12:8000;/, upstreams.map(a => `\n    server ${a};`).join(''));
  assert.ok(!conf.includes('10.0.0.'), 'the upstream servers of deployment.md were not replaced');
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${conf}
}
`;
}

before(async () => {
  const page = readFileSync(join(root, 'docs', 'deployment.md'), 'utf8');
  const block = page.match(/```nginx\n([\s\S]*?)\n```/)[1];
  binary = build('chat');
  env = { NEXO_BROKER: 'redis', NEXO_CHANNEL_PREFIX: `e2enginx${Date.now()}:` };
  for (let i = 0; i < 2; i++) {
    addrs.push(`127.0.0.1:${await freePort()}`);
    servers.push(await start(binary, addrs[i], env));
  }
  const dir = mkdtempSync(join(tmpdir(), 'nexo-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const listen = `127.0.0.1:${await freePort()}`;
  base = `http://${listen}`;
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(block, listen, addrs, dir));
  execFileSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });
  nginx = spawnTracked('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  for (const deadline = Date.now() + 10000; ;) {
    try {
      await (await fetch(base + '/', { redirect: 'manual' })).arrayBuffer();
      break;
    } catch (e) {
      if (nginx.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not listen on ${listen}: ${e}`);
      await new Promise(r => setTimeout(r, 100));
    }
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (nginx) await stop(nginx, 'SIGQUIT');
  for (const s of servers) await stop(s);
});

async function open(path) {
  const page = await browser.newPage();
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(base + path);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'open');
  return page;
}
const say = async (page, text) => { await page.fill('#text', text); await page.click('form button[type=submit]'); };
const sees = (page, text) => page.waitForFunction(t => [...document.querySelectorAll('#log li')].some(li => li.textContent.includes(t)), text, { timeout: 10000 });
const usersAre = (page, want) => page.waitForFunction(w => JSON.stringify(window.nexoChat.users()) === w, JSON.stringify(want), { timeout: 10000 });
const isOpen = page => page.waitForFunction(() => document.getElementById('status').textContent === 'open', null, { timeout: 30000 });

test("deployment.md's nginx block in front of two instances: pages chat through it, and reconnect through it when an instance restarts", async () => {
  const ada = await open('/chat/lobby?name=ada');
  const bob = await open('/chat/lobby?name=bob');
  await say(ada, 'through nginx');
  await sees(bob, 'through nginx');
  await say(bob, 'and back');
  await sees(ada, 'and back');
  await usersAre(ada, ['ada', 'bob']);
  await usersAre(bob, ['ada', 'bob']);

  // Restart each instance in turn: the pages on it reconnect through nginx,
  // to whichever instance is up, and miss nothing.
  for (let i = 0; i < 2; i++) {
    await stop(servers[i]);
    servers[i] = await start(binary, addrs[i], env);
    for (const p of [ada, bob]) await isOpen(p);
    await say(ada, `after restart ${i + 1}`);
    await sees(bob, `after restart ${i + 1}`);
    await usersAre(ada, ['ada', 'bob']);
    await usersAre(bob, ['ada', 'bob']);
  }
  const log = await bob.textContent('#log');
  assert.ok(!log.includes('may be missing'), `history lost behind nginx: ${log}`);
  await bob.screenshot({ path: join(artifacts, 'chat-nginx.png') });
});

// A page that follows many topics with history sends their positions in
// the handshake's query (nexo_since): the client must keep that request
// line within what nginx takes by default (large_client_header_buffers
// 4 8k), or nginx answers 414 to every attempt and the page never
// reconnects.
test('a page with the positions of many topics connects through nginx with its default buffers, keeping the newest', async () => {
  const page = await browser.newPage();
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(base + '/nexo/client.js');
  const got = await page.evaluate(async () => {
    const { connect } = await import('/nexo/client.js');
    const positions = {};
    // 64 topics of 100 characters: about 9 KiB of JSON, 8 KiB kept by the
    // server's cap, over 10 KiB once URL-encoded.
    for (let i = 0; i < 64; i++) positions[`feed:${String(i).padStart(2, '0')}:${'x'.repeat(92)}`] = { epoch: 'e'.repeat(16), offset: 1000 + i };
    const sock = connect('/chat/lobby?name=zed', { positions, connectTimeout: 5000 });
    const status = await new Promise(resolve => {
      const t = setTimeout(() => resolve(sock.status), 15000);
      sock.onStatus(s => { if (s === 'open') { clearTimeout(t); resolve(s); } });
    });
    // The socket the client holds (a private field, read here only) was dialled with it.
    const since = JSON.parse(new URL(sock.ws?.url ?? 'ws://x/').searchParams.get('nexo_since') ?? '{}');
    const retries = sock.retries;
    sock.close();
    return { status, retries, kept: Object.keys(since) };
  });
  assert.equal(got.status, 'open', `through nginx: still ${got.status} after 15 s (${got.retries} attempts failed)`);
  assert.ok(got.kept.length > 0, 'no position was sent');
  assert.ok(got.kept.includes(`feed:63:${'x'.repeat(92)}`), 'the most recently updated topic was left out');
  await page.close();
});
