// Shared helpers of the end-to-end tests: build and run an example server,
// launch Debian's Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
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

/** Starts a server binary on addr and resolves once it accepts connections. */
export async function start(binary, addr, env = {}) {
  const proc = spawn(binary, [], { env: { ...process.env, NEXO_ADDR: addr, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
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

/** Stops a server with SIGTERM and waits for it to exit. */
export function stop(proc) {
  if (proc.exitCode !== null) return Promise.resolve();
  return new Promise(resolve => { proc.once('exit', resolve); proc.kill('SIGTERM'); });
}

/** Launches Debian's Chromium headless with a fresh profile (playwright makes a new user data dir per launch). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
