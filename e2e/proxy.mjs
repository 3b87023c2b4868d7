// A TCP proxy that can cut the network of whatever goes through it: the
// browser page loads from the proxy's address, the proxy forwards to the
// server, and cut() drops every live connection at both ends (the server
// sees its WebSocket connection reset, the page sees it fail) and turns new
// connections away until restore().
import { createServer, connect } from 'node:net';

/**
 * Starts a proxy on a free loopback port to target ("host:port") and
 * resolves to { addr, cut, restore, close, live }.
 */
export function proxy(target) {
  const [host, port] = target.split(':');
  const pairs = new Set();
  let down = false;
  const server = createServer(client => {
    if (down) { client.resetAndDestroy(); return; }
    const upstream = connect(Number(port), host);
    const pair = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: own } = server.address();
      resolve({
        addr: `127.0.0.1:${own}`,
        /** Connections currently forwarded. */
        live: () => pairs.size,
        /** Resets every live connection and refuses new ones until restore(). */
        cut() {
          down = true;
          const all = [...pairs];
          pairs.clear();
          for (const [client, upstream] of all) {
            upstream.resetAndDestroy();
            client.resetAndDestroy();
          }
        },
        /** Lets connections through again. */
        restore() { down = false; },
        /** Stops listening and drops what is left. */
        close() {
          this.cut();
          return new Promise(r => server.close(() => r()));
        },
      });
    });
  });
}
