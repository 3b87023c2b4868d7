// Helpers of the chat failure-path tests: open a chat page, type, read
// its log, and run the chat as a separate process that can be killed.
import { build, freePort, start, stop } from './helpers.mjs';

/** Runs the chat binary on a free loopback port: { base, start(), kill(), stop() }. */
export async function chatServer(env = {}) {
  const binary = build('chat');
  const addr = `127.0.0.1:${await freePort()}`;
  const s = { base: `http://${addr}`, proc: undefined };
  s.start = async () => { s.proc = await start(binary, addr, env); return Date.now(); };
  s.kill = () => new Promise(resolve => {
    if (!s.proc || s.proc.exitCode !== null || s.proc.signalCode) return resolve();
    s.proc.once('exit', resolve);
    s.proc.kill('SIGKILL');
  });
  s.stop = () => (s.proc ? stop(s.proc) : Promise.resolve());
  await s.start();
  return s;
}

/** Opens path on a new page of browser and waits until it is connected. */
export async function openChat(browser, url, opts = {}) {
  const page = await browser.newPage(opts);
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(url);
  await isOpen(page);
  return page;
}

export const status = page => page.textContent('#status');
export const isOpen = (page, timeout = 30000) =>
  page.waitForFunction(() => document.getElementById('status').textContent === 'open', null, { timeout });
export const say = async (page, text) => {
  await page.fill('#text', text);
  await page.click('form button[type=submit]');
};
export const sees = (page, text, timeout = 10000) =>
  page.waitForFunction(t => [...document.querySelectorAll('#log li')].some(li => li.textContent.includes(t)), text, { timeout });
/** The texts of the chat lines of a page, in order (system lines, errors and unsent messages left out). */
export const messages = page => page.$$eval('#log li:not(.system):not(.err)', lis => lis.map(li => li.lastChild.textContent));
/** The texts of the system lines of a page. */
export const systemLines = page => page.$$eval('#log li.system', lis => lis.map(li => li.textContent));
