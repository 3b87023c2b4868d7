import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, freePort, start, stop, launch, artifacts } from './helpers.mjs';

// The README's "A chat in 40 lines", as a reader would run it: the Go
// block saved as main.go of a module of its own, built, and two pages in
// a room talking to each other.
let browser, server, base;

before(async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### A chat in 40 lines'));
  const code = section.match(/```go\n([\s\S]*?)\n```/)[1];
  const dir = mkdtempSync(join(tmpdir(), 'nexo-readme-chat-'));
  writeFileSync(join(dir, 'main.go'), code.replace('"127.0.0.1:8000"', 'os.Getenv("NEXO_ADDR")').replace('"net/http"', '"net/http"\n\t"os"'));
  writeFileSync(join(dir, 'go.mod'), `module readmechat\n\ngo 1.26\n\nrequire github.com/nexogo/nexo v0.0.0\n\nreplace github.com/nexogo/nexo => ${root}\n`);
  copyFileSync(join(root, 'go.sum'), join(dir, 'go.sum'));
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOWORK: 'off' };
  execFileSync('go', ['build', '-o', 'chat', '.'], { cwd: dir, env, stdio: 'inherit' });
  const addr = `127.0.0.1:${await freePort()}`;
  base = `http://${addr}`;
  server = await start(join(dir, 'chat'), addr);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) await stop(server);
});

async function open(path) {
  const page = await browser.newPage();
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(base + path);
  return page;
}
const say = async (page, text) => { await page.fill('#t', text); await page.press('#t', 'Enter'); };
const sees = (page, text) => page.waitForFunction(t => [...document.querySelectorAll('#msgs li')].some(li => li.textContent === t), text, { timeout: 10000 });

test("the README's chat in 40 lines runs: two pages of a room talk, another room hears nothing", async () => {
  const ada = await open('/chat/lobby?name=ada');
  const bob = await open('/chat/lobby?name=bob');
  const eve = await open('/chat/general?name=eve');
  // A page is connected once its own message comes back (the 40 lines
  // show no status: a send before the socket opens is lost, so say it
  // again until it is heard).
  for (const [page, name] of [[ada, 'ada'], [bob, 'bob'], [eve, 'eve']]) {
    for (let i = 0; ; i++) {
      await say(page, `${name} is here`);
      try {
        await page.waitForFunction(t => [...document.querySelectorAll('#msgs li')].some(li => li.textContent === t), `${name}: ${name} is here`, { timeout: 1000 });
        break;
      } catch (e) {
        if (i === 10) throw e;
      }
    }
  }
  await say(ada, 'hello bob');
  await sees(bob, 'ada: hello bob');
  await say(bob, 'hello ada');
  await sees(ada, 'bob: hello ada');
  const eveLog = await eve.textContent('#msgs');
  assert.ok(eveLog.includes('eve: eve is here') && !/ada|bob/.test(eveLog), `general heard the lobby: ${eveLog}`);
  await ada.screenshot({ path: join(artifacts, 'readme-chat.png') });
});
