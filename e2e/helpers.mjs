// Shared helpers of the end-to-end tests: build and run an example server,
// launch Debian's Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const artifacts = join(root, 'e2e', 'artifacts');
mkdirSync(artifacts, { recursive: true });
const bin = mkdtempSync(join(tmpdir(), 'nexo-e2e-'));

/** Builds ./examples/<name> (or the package at ./<name> when it has a slash) and returns the binary's path. */
export function build(name) {
  const out = join(bin, name.replaceAll('/', '-'));
  const pkg = name.includes('/') ? `./${name}` : `./examples/${name}`;
  execFileSync('go', ['build', '-o', out, pkg], { cwd: root, stdio: 'inherit' });
  return out;
}

/** Returns a free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

// Every process a test file starts is tracked here, so that none outlives the
// file: a server that inherited the runner's stdout would keep the runner
// waiting for that pipe to close, so a test that failed before its own clean-up
// would hang the whole run instead of failing it.
const children = new Set();

/**
 * Spawns a long-running process whose output is forwarded to this process's,
 * through pipes of its own rather than inherited descriptors. It is killed
 * when the test file ends, whatever its tests did.
 */
export function spawnTracked(cmd, args, opts = {}) {
  const proc = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', d => process.stdout.write(d));
  proc.stderr.on('data', d => process.stderr.write(d));
  // Neither the process nor its pipes keep this file's event loop alive.
  proc.unref();
  proc.stdout.unref?.();
  proc.stderr.unref?.();
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

process.on('exit', () => {
  for (const proc of children) proc.kill('SIGKILL');
});

// Browsers launched by this file, closed by its hook below.
const browsers = new Set();

/** Resolves after ms milliseconds. */
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// The file's hook, run before the file's own after(): every browser is
// closed and every process stopped, each within a bound, so that a
// Chromium slow to quit or a server slow to stop fails nothing and hangs
// nothing (package.json's --test-force-exit ends the file's process even if
// something is left).
after(async () => {
  await Promise.all([...browsers].map(async b => {
    const closed = await Promise.race([b.close().then(() => true, () => true), sleep(15000).then(() => false)]);
    if (!closed) console.error('e2e: a browser did not close within 15 s; it is killed when this file exits');
  }));
  await Promise.all([...children].map(proc => stop(proc)));
});

/** Starts a server binary on addr and resolves once it accepts connections. */
export async function start(binary, addr, env = {}) {
  const proc = spawnTracked(binary, [], { env: { ...process.env, NEXO_ADDR: addr, ...env } });
  const [host, port] = addr.split(':');
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const res = await fetch(`http://${host}:${port}/`, { redirect: 'manual' });
      await res.arrayBuffer();
      return proc;
    } catch {
      if (proc.exitCode !== null) throw new Error(`${binary} exited with ${proc.exitCode}`);
      if (Date.now() > deadline) throw new Error(`${binary} did not listen on ${addr}`);
      await new Promise(r => setTimeout(r, 100));
    }
  }
}

/**
 * Stops a process with signal (SIGTERM unless told) and waits for it to exit;
 * one still running 10 s later is killed.
 */
export function stop(proc, signal = 'SIGTERM') {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    proc.once('exit', () => { clearTimeout(timer); resolve(); });
    proc.kill(signal);
  });
}

/** Launches Debian's Chromium headless with a fresh profile (playwright makes a new user data dir per launch). */
export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  browsers.add(browser);
  browser.once('disconnected', () => browsers.delete(browser));
  return browser;
}
