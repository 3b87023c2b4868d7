/**
 * nexo browser client: a WebSocket that reconnects the way the nexo server
 * asks it to, sends JSON by default, and speaks nexo's typed event frames.
 *
 * @example
 * import { connect } from '/nexo/client.js';
 * const sock = connect('/chat/lobby', { buffer: 20 });
 * sock.onMessage(msg => console.log(msg));
 * sock.send({ type: 'message', text: 'hi' });
 *
 * On topics with history the client also keeps its place: it remembers the
 * last position (epoch, offset) of every topic from the server's "pub" and
 * "joined" frames, sends them back in `nexo_since` on every reconnect so
 * that the server replays what was missed, drops any duplicate, and tells
 * the application through `onRecovery` when the server could not recover.
 */

/**
 * Connection state of a {@link NexoSocket}: `connecting` (an attempt is
 * under way), `open`, `reconnecting` (waiting to retry, until
 * {@link NexoSocket.retryAt}), or `closed` (for good: closed by the
 * application, stopped by the server's close code, or out of retries).
 */
export type Status = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Backoff of reconnect attempts: capped exponential with full jitter. */
export interface Backoff {
  /** First delay in milliseconds (default 500). */
  base: number;
  /** Largest delay in milliseconds (default 5000). */
  cap: number;
}

/** What `onUnauthorized` may return to reconnect elsewhere or with a new token. */
export interface Reauth {
  url?: string;
  protocols?: string | string[];
}

/**
 * A place in a topic's history: the history's epoch (it changes when the
 * server lost the history) and the offset of the last message (1, 2, 3...
 * per topic; 0 when nothing was published yet).
 */
export interface Position {
  epoch: string;
  offset: number;
}

/**
 * A message published on a topic with history, from a
 * `{"type":"pub","topic","epoch","offset","data"}` frame. A base64 payload
 * (`"encoding":"base64"`, a binary message on the server) is decoded to an
 * ArrayBuffer.
 */
export interface Publication extends Position {
  topic: string;
  data: unknown;
}

/**
 * The server's answer when it subscribed this connection to a topic with
 * recovery, from a `{"type":"joined","topic","epoch","offset","recovered"}`
 * frame. `offset` is the position the client now has. `recovered` is false
 * when the position the client sent could not be honoured (the epoch
 * changed, or more was missed than the history holds): nothing was
 * replayed, messages were lost, and the application should reload its
 * state by other means.
 */
export interface Joined extends Position {
  topic: string;
  recovered: boolean;
}

/** At most this many topics go into `nexo_since` (the server's cap). */
export const maxSinceTopics = 64;
/** At most this many bytes of JSON go into `nexo_since` (the server's cap). */
export const maxSinceBytes = 8192;
/**
 * At most this many characters of `nexo_since` go into the URL, once
 * URL-encoded: with the path and the rest of the query the request line
 * stays within the 8 KiB that nginx (`large_client_header_buffers`) and
 * Apache (`LimitRequestLine`) take by default; a longer one is refused
 * (414) on every attempt, and the page never reconnects. The topics left
 * out, the least recently updated, reconnect as newcomers.
 */
export const maxSinceURLBytes = 4096;

/** Options of {@link connect}. */
export interface Options {
  /** Subprotocols offered at the handshake. */
  protocols?: string | string[];
  /** Reconnect after the connection drops (default true). */
  reconnect?: boolean;
  /** Reconnect attempts in a row before giving up (default Infinity). */
  maxRetries?: number;
  /** Reconnect delays (default base 500 ms, cap 5 s). */
  backoff?: Partial<Backoff>;
  /**
   * Milliseconds an attempt may stay `connecting` before the client gives
   * it up (default 10000; 0 leaves it to the browser, which waits minutes
   * on a server that accepts the TCP connection and never answers): the
   * socket is closed, `onClose` gets code 1006 with reason
   * "connect timeout", and the client retries with backoff.
   */
  connectTimeout?: number;
  /**
   * Ask the server for heartbeat messages (`nexo_heartbeat=1`, default
   * true) and drop a connection on which nothing has arrived within the
   * window the server announces in them (its ping interval plus pong
   * timeout, 35 s by default): a page never sees WebSocket pings, so
   * without them a connection to a server that froze, or that a network
   * dropped without a word, would say `open` for good. A dropped
   * connection gets `onClose` with 1006 and the reason "heartbeat
   * timeout", and is retried with backoff. The heartbeat messages never
   * reach the application. A server that sends none is never timed out.
   */
  heartbeat?: boolean;
  /** Delay range in ms after 1001, 1013 or 4429: [min, min + backoff] (default 2000). */
  retryAfter?: number;
  /**
   * Sends kept while not open, flushed in order on (re)connect; 0 keeps
   * none (default). When full, the oldest is dropped (a request dropped so
   * is rejected with code "dropped").
   */
  buffer?: number;
  /** Called on 4401: resolve to reconnect (optionally elsewhere), reject or return false to stop. */
  onUnauthorized?: () => Promise<Reauth | boolean | void> | Reauth | boolean | void;
  /** Positions to start from, e.g. saved from {@link NexoSocket.positions} before a page reload; sent on the first connect too. */
  positions?: Record<string, Position>;
  /** Called with every "joined" frame (see {@link NexoSocket.onRecovery}). */
  onRecovery?: (joined: Joined) => void;
  /** Called with every message (see {@link NexoSocket.onMessage}). */
  onMessage?: (data: unknown, event: MessageEvent) => void;
  /**
   * Called when a connection opens, before the status listeners and before
   * the offline buffer is flushed: a frame it sends (a token for
   * first-message auth) is the connection's first.
   */
  onOpen?: (event: Event) => void;
  onClose?: (event: CloseEvent) => void;
  onError?: (event: Event) => void;
  /** WebSocket constructor to use (tests, other runtimes). */
  WebSocket?: WebSocketLike;
  /** Random source in [0, 1), for tests (default Math.random). */
  random?: () => number;
}

/** The query parameter by which the client asks for heartbeat messages (see {@link Options.heartbeat}). */
export const heartbeatParam = 'nexo_heartbeat';

/** The default of {@link Options.connectTimeout}, in milliseconds. */
export const defaultConnectTimeout = 10000;

/** The subset of the WebSocket constructor the client needs. */
export type WebSocketLike = new (url: string, protocols?: string | string[]) => WebSocket;

/** What the client does after a close code. */
export type CloseAction = 'stop' | 'retry' | 'later' | 'reauth';

/**
 * The close-code contract with the nexo server: 1000 and policy codes stop,
 * 1001 / 1013 / 4429 retry later, 4401 re-authenticates, the rest retry with
 * backoff.
 */
export function closeAction(code: number): CloseAction {
  switch (code) {
    case 1000: case 1003: case 1008: case 1009: case 4403:
      return 'stop';
    case 1001: case 1013: case 4429:
      return 'later';
    case 4401:
      return 'reauth';
    default:
      return 'retry';
  }
}

/** An error reply of the server, or a request that failed. */
export class RequestError extends Error {
  /**
   * The server's error code ("validation", "unknown_event", "handler" for
   * a `*channels.UserError`, ...), or the client's: "timeout", "closed"
   * (the connection ended before the reply, or close() was called) or
   * "dropped" (pushed out of a full offline buffer, never sent).
   */
  code: string;
  /** Failing fields of a validation error. */
  fields?: Record<string, string>;
  /** The server's error frame, when there was one. */
  frame?: ErrorFrame;
  constructor(message: string, code: string, frame?: ErrorFrame) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.frame = frame;
    this.fields = frame?.fields;
  }
}

/** The server's error frame. */
export interface ErrorFrame {
  type: 'error';
  error: string;
  message?: string;
  fields?: Record<string, string>;
  ref?: number;
}

/** Options of {@link NexoSocket.request}. */
export interface RequestOptions {
  /** Milliseconds before the request fails with code "timeout" (default 10000). */
  timeout?: number;
}

// A request waiting for its reply; sentOn is the socket it went out on,
// undefined while it waits in the offline buffer.
type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: RequestError) => void;
  timer: ReturnType<typeof setTimeout>;
  sentOn?: WebSocket;
};

// A send kept while offline; ref when it is a request's frame.
type Queued = { data: unknown; ref?: number };

/**
 * Resolves a path or URL to a WebSocket URL: relative paths use the page's
 * origin (wss: on https:), http(s): becomes ws(s):, ws(s): passes through.
 */
export function resolveURL(url: string, base?: string): string {
  const origin = base ?? (typeof location !== 'undefined' ? location.href : 'http://localhost/');
  const u = new URL(url, origin);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.toString();
}

/** A WebSocket that reconnects. Create it with {@link connect}. */
export class NexoSocket {
  /** Current state. */
  status: Status = 'connecting';
  /** The last message received (parsed like onMessage's data). */
  lastMessage: unknown = undefined;
  /** The last error or abnormal close, cleared on open. */
  error: Event | CloseEvent | undefined = undefined;
  /** Attempts made since the connection was last open for 5 s in a row. */
  retries = 0;
  /** While `reconnecting`: when the next attempt starts (ms since the epoch, like Date.now()). */
  retryAt: number | undefined = undefined;

  private url: string;
  private protocols?: string | string[];
  private opts: Options;
  private ws?: WebSocket;
  private timer?: ReturnType<typeof setTimeout>;
  private stableTimer?: ReturnType<typeof setTimeout>;
  private connectTimer?: ReturnType<typeof setTimeout>;
  // Heartbeat: the window the server announced for this connection (0
  // until its first heartbeat message), when the last message arrived,
  // and the timer that checks.
  private beatWithin = 0;
  private lastHeard = 0;
  private beatTimer?: ReturnType<typeof setTimeout>;
  private closedByUser = false;
  // The socket that close() was called on by resync(), to reopen at once.
  private reopening?: WebSocket;
  private queue: Queued[] = [];
  private listening = false;
  private wake = () => this.retryNowIfWaiting();
  private offline = () => this.dropOffline();
  private wakeVisible = () => {
    if (typeof document !== 'undefined' && document.visibilityState === 'visible') this.retryNowIfWaiting();
  };
  private messageFns = new Set<(data: unknown, event: MessageEvent) => void>();
  private statusFns = new Set<(s: Status) => void>();
  private eventFns = new Map<string, Set<(data: unknown) => void>>();
  private pending = new Map<number, Pending>();
  private nextRef = 1;
  // Last position per topic; Map order is least recently updated first.
  private pos = new Map<string, Position>();
  // Topics whose position did not fit in the last dial's nexo_since, until
  // their joined frame; gapped: those whose replay did not follow on from it.
  private unsent = new Set<string>();
  private gapped = new Set<string>();
  private recoveryFns = new Set<(j: Joined) => void>();
  private pubFns = new Set<(p: Publication, event: MessageEvent) => void>();

  constructor(url: string, opts: Options = {}) {
    this.url = resolveURL(url);
    this.protocols = opts.protocols;
    this.opts = opts;
    if (opts.onMessage) this.messageFns.add(opts.onMessage);
    if (opts.onRecovery) this.recoveryFns.add(opts.onRecovery);
    for (const [topic, p] of Object.entries(opts.positions ?? {})) {
      if (isPosition(p)) this.pos.set(topic, { epoch: p.epoch, offset: p.offset });
    }
    this.open();
  }

  // listen adds (on) or removes the window and document listeners: they
  // are held only while the socket may connect again, so that a socket
  // closed for good is left to the garbage collector.
  private listen(on: boolean): void {
    if (this.listening === on) return;
    this.listening = on;
    const method = on ? 'addEventListener' : 'removeEventListener';
    if (typeof window !== 'undefined') {
      window[method]?.('online', this.wake);
      window[method]?.('offline', this.offline);
    }
    if (typeof document !== 'undefined') document[method]?.('visibilitychange', this.wakeVisible);
  }

  // stop ends the retries: closed until reconnectNow().
  private stop(): void {
    this.listen(false);
    this.setStatus('closed');
  }

  /** Calls fn with every message: JSON-parsed text when valid JSON, else the string; binary as ArrayBuffer. Returns an unsubscribe function. */
  onMessage(fn: (data: unknown, event: MessageEvent) => void): () => void {
    this.messageFns.add(fn);
    return () => this.messageFns.delete(fn);
  }

  /**
   * Calls fn with every message on a topic with history, with its topic
   * and position, after duplicates are dropped; onMessage gets its data
   * too. Returns an unsubscribe function.
   */
  onPublication(fn: (p: Publication, event: MessageEvent) => void): () => void {
    this.pubFns.add(fn);
    return () => this.pubFns.delete(fn);
  }

  /**
   * Calls fn with every "joined" frame: once per topic with recovery on
   * each (re)connect, after the replay of what was missed. Check
   * `joined.recovered`: false means messages were lost and the application
   * must resynchronise (reload over HTTP, show a notice). Returns an
   * unsubscribe function.
   */
  onRecovery(fn: (joined: Joined) => void): () => void {
    this.recoveryFns.add(fn);
    return () => this.recoveryFns.delete(fn);
  }

  /**
   * The last position of every topic with history seen on this socket, as
   * sent in `nexo_since` on the next reconnect. A copy: save it (e.g. in
   * sessionStorage) and pass it as the `positions` option to carry on
   * after a page reload.
   */
  positions(): Record<string, Position> {
    const out: Record<string, Position> = {};
    for (const [topic, p] of this.pos) out[topic] = { ...p };
    return out;
  }

  /**
   * Calls fn with the current status at once, then on every change.
   * Returns an unsubscribe function.
   */
  onStatus(fn: (s: Status) => void): () => void {
    this.statusFns.add(fn);
    fn(this.status);
    return () => this.statusFns.delete(fn);
  }

  /** Calls fn with the data of every `{"event": name}` frame; `on('error', fn)` gets error frames that answer no request. */
  on(event: string, fn: (data: unknown) => void): () => void {
    let set = this.eventFns.get(event);
    if (!set) this.eventFns.set(event, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  }

  /** Sends a string as text, an ArrayBuffer or typed array as binary, anything else as JSON. Returns false when neither sent nor buffered. */
  send(data: unknown): boolean {
    return this.enqueue({ data });
  }

  // enqueue sends q now when the socket is open, else keeps it in the
  // offline buffer.
  private enqueue(q: Queued): boolean {
    // A socket closing (resync, or the server's close under way) is still
    // "open" until its close event, but the browser drops what is sent on it.
    if (this.status === 'open' && this.ws && this.ws.readyState === 1) {
      this.ws.send(encode(q.data));
      this.markSent(q, this.ws);
      return true;
    }
    const max = this.opts.buffer ?? 0;
    if (max <= 0 || this.closedByUser) return false;
    this.queue.push(q);
    if (this.queue.length > max) {
      const dropped = this.queue.shift()!;
      if (dropped.ref != null) this.settle(dropped.ref, new RequestError('request dropped from the full offline buffer', 'dropped'));
    }
    return true;
  }

  private markSent(q: Queued, ws: WebSocket): void {
    const p = q.ref != null ? this.pending.get(q.ref) : undefined;
    if (p) p.sentOn = ws;
  }

  // settle rejects the pending request ref and takes its frame out of the
  // offline buffer: a request the caller was told failed is never sent.
  private settle(ref: number, err: RequestError): void {
    const p = this.pending.get(ref);
    this.queue = this.queue.filter(q => q.ref !== ref);
    if (!p) return;
    this.pending.delete(ref);
    clearTimeout(p.timer);
    p.reject(err);
  }

  /** Sends an event frame `{"event", "data"}`. */
  emit(event: string, data?: unknown): boolean {
    return this.send({ event, data });
  }

  /**
   * Sends an event frame with a ref and resolves with the server's reply
   * data. While offline, with a `buffer`, the request waits in the buffer
   * and is sent on reconnect; once it is rejected (timeout, dropped,
   * close()) it is taken out of the buffer and never sent. A request sent
   * on a connection that ends before the reply is rejected with "closed"
   * and not sent again (the server may have run it).
   */
  request<T = unknown>(event: string, data?: unknown, opts: RequestOptions = {}): Promise<T> {
    const ref = this.nextRef++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(ref, new RequestError(`request ${event} timed out`, 'timeout'));
      }, opts.timeout ?? 10000);
      this.pending.set(ref, { resolve: resolve as (v: unknown) => void, reject, timer });
      if (!this.enqueue({ data: { event, data, ref }, ref })) {
        this.settle(ref, new RequestError(`request ${event}: not connected`, 'closed'));
      }
    });
  }

  /**
   * Starts the next attempt now instead of waiting for the backoff: while
   * `reconnecting`, or when `closed` by the server's close code or out of
   * retries. While `connecting` it gives the attempt under way up
   * (`onClose` gets 1006, reason "reconnect now") and starts a fresh one.
   * Does nothing while `open`, while `onUnauthorized` has not answered,
   * or after close(). The client does this by itself, except while
   * `connecting`, on the browser's `online` event and when the page
   * becomes visible.
   */
  reconnectNow(): void {
    if (this.closedByUser) return;
    const ws = this.ws;
    if (this.status === 'connecting' && ws && ws.readyState === 0) {
      this.detach(ws);
      const ev = closeEvent(1006, 'reconnect now');
      this.error = ev;
      this.opts.onClose?.(ev);
      this.open();
      return;
    }
    if (this.status !== 'closed' && this.retryAt === undefined) return;
    clearTimeout(this.timer);
    this.retryAt = undefined;
    this.open();
  }

  // dropOffline gives up the socket when the browser goes offline: Chromium
  // keeps it open but carries nothing over it, so the page would say
  // "open" while sends and requests went nowhere. Its close event may come
  // late or never, so the socket is detached and treated as dropped now;
  // the `online` event then retries at once.
  private dropOffline(): void {
    const ws = this.ws;
    if (this.closedByUser || !ws || ws.readyState > 1) return;
    this.giveUp(ws, 'offline');
  }

  // giveUp treats ws as dropped with code 1006 and reason now, without
  // waiting for its close event, which may come late or never.
  private giveUp(ws: WebSocket, reason: string): void {
    this.detach(ws);
    void this.closed(closeEvent(1006, reason), ws);
  }

  // detach closes ws and stops listening to it: nothing it does later
  // reaches the client.
  private detach(ws: WebSocket): void {
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    ws.close();
    this.forget(ws);
  }

  // forget drops ws as the current socket, with its connect and heartbeat
  // timers.
  private forget(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.ws = undefined;
    this.stopTimers();
  }

  private stopTimers(): void {
    clearTimeout(this.connectTimer);
    this.stopBeat();
  }

  // retryNowIfWaiting skips the backoff wait, but never reopens a socket
  // the server stopped.
  private retryNowIfWaiting(): void {
    if (this.retryAt !== undefined) this.reconnectNow();
  }

  /**
   * Forgets the position of topic (of every topic when omitted) and
   * reconnects at once, so that the server treats this client as a
   * newcomer on that topic (with `channels.RecoverLast(n)` it replays the
   * last n messages). For a page told `recovered: false`; drop duplicates
   * of what the page already shows by their (epoch, offset), from
   * onPublication.
   */
  resync(topic?: string): void {
    if (topic === undefined) this.pos.clear();
    else this.pos.delete(topic);
    // A newcomer now: the server's joined is the truth.
    if (topic === undefined) this.unsent.clear();
    else this.unsent.delete(topic);
    if (this.closedByUser) return;
    if (this.ws && this.ws.readyState <= 1) {
      this.reopening = this.ws;
      this.ws.close(1000, 'resync');
      return;
    }
    this.reconnectNow();
  }

  /** Closes the connection for good: no reconnect. */
  close(code = 1000, reason = ''): void {
    this.closedByUser = true;
    clearTimeout(this.timer);
    clearTimeout(this.stableTimer);
    this.stopTimers();
    this.retryAt = undefined;
    this.listen(false);
    if (this.ws && this.ws.readyState <= 1) this.ws.close(code, reason);
    this.setStatus('closed');
    this.failPending('closed');
    this.queue = [];
  }

  private open(): void {
    const WS = this.opts.WebSocket ?? (globalThis.WebSocket as unknown as WebSocketLike);
    this.listen(true);
    this.setStatus('connecting');
    const ws = new WS(this.dialURL(), this.protocols);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.stopTimers();
    const limit = this.opts.connectTimeout ?? defaultConnectTimeout;
    if (limit > 0 && Number.isFinite(limit)) {
      this.connectTimer = setTimeout(() => {
        if (this.ws === ws && ws.readyState === 0) this.giveUp(ws, 'connect timeout');
      }, limit);
    }
    ws.onopen = ev => {
      clearTimeout(this.connectTimer);
      this.error = undefined;
      // Open, but told to onOpen first: what it sends (a first-message
      // token) goes out before what the status listeners send and before
      // the offline buffer.
      this.status = 'open';
      // The retry count resets only once the connection has stayed up.
      this.stableTimer = setTimeout(() => { this.retries = 0; }, 5000);
      try {
        this.opts.onOpen?.(ev);
      } finally {
        if (this.ws === ws && this.status === 'open') {
          this.statusFns.forEach(fn => fn('open'));
          const queued = this.queue;
          this.queue = [];
          for (const q of queued) {
            ws.send(encode(q.data));
            this.markSent(q, ws);
          }
        }
      }
    };
    ws.onmessage = ev => {
      this.lastHeard = Date.now();
      if (!this.beat(ev, ws)) this.receive(ev);
    };
    ws.onerror = ev => {
      this.error = ev;
      this.opts.onError?.(ev);
    };
    ws.onclose = ev => this.closed(ev, ws);
  }

  // beat takes a heartbeat message out of the stream and (re)arms the
  // check with the window it announces; it reports whether ev was one.
  private beat(ev: MessageEvent, ws: WebSocket): boolean {
    const d = ev.data;
    if (typeof d !== 'string' || !d.startsWith('{"type":"nexo.heartbeat"')) return false;
    let within = NaN;
    try {
      within = Number((JSON.parse(d) as { within?: unknown }).within);
    } catch {
      return false;
    }
    if (within > 0 && Number.isFinite(within)) {
      this.beatWithin = within;
      this.armBeat(ws);
    }
    return true;
  }

  // armBeat checks, once the window has passed since the last message,
  // that another has come; if none has, the connection is dropped.
  private armBeat(ws: WebSocket): void {
    clearTimeout(this.beatTimer);
    this.beatTimer = setTimeout(() => {
      if (this.ws !== ws || ws.readyState !== 1) return;
      if (Date.now() - this.lastHeard >= this.beatWithin) this.giveUp(ws, 'heartbeat timeout');
      else this.armBeat(ws);
    }, Math.max(this.lastHeard + this.beatWithin - Date.now(), 0));
  }

  private stopBeat(): void {
    clearTimeout(this.beatTimer);
    this.beatTimer = undefined;
    this.beatWithin = 0;
  }

  /**
   * The URL of the next attempt: the URL with `nexo_since` when positions
   * are known, and `nexo_heartbeat=1` unless heartbeats are off.
   */
  private dialURL(): string {
    const { json: sinceJSON, topics: sent } = since(this.pos);
    this.unsent = new Set(this.pos.keys());
    for (const topic of sent) this.unsent.delete(topic);
    this.gapped.clear();
    const params: string[] = [];
    if (this.opts.heartbeat !== false) params.push(`${heartbeatParam}=1`);
    if (sinceJSON) params.push(`nexo_since=${encodeURIComponent(sinceJSON)}`);
    if (params.length === 0) return this.url;
    const i = this.url.indexOf('#');
    const [head, hash] = i < 0 ? [this.url, ''] : [this.url.slice(0, i), this.url.slice(i)];
    return `${head}${head.includes('?') ? '&' : '?'}${params.join('&')}${hash}`;
  }

  private receive(ev: MessageEvent): void {
    let data = decode(ev.data);
    let published = false;
    if (isFrame(data, 'pub')) {
      const pub = this.publication(data);
      if (!pub) return; // a duplicate
      data = pub.data;
      published = true;
      this.pubFns.forEach(fn => fn(pub, ev));
    } else if (isFrame(data, 'joined')) {
      const j = data as unknown as Joined;
      const joined: Joined = { topic: j.topic, epoch: j.epoch, offset: j.offset, recovered: j.recovered === true };
      if (this.unsent.delete(j.topic)) {
        // Its position was not sent, so the server took the page for a
        // newcomer and says nothing of what it missed: unless what it
        // replayed followed on from the position, messages were lost.
        const last = this.pos.get(j.topic);
        const gapped = this.gapped.delete(j.topic);
        if (last && (gapped || last.epoch !== j.epoch || last.offset !== j.offset)) joined.recovered = false;
      }
      this.remember(joined.topic, joined);
      this.recoveryFns.forEach(fn => fn(joined));
      return;
    }
    this.lastMessage = data;
    if (data && typeof data === 'object' && !Array.isArray(data)) {
      const f = data as { type?: string; event?: string; ref?: number; data?: unknown; error?: string; message?: string };
      if (published) {
        // A topic's message answers no request: only event pushes apply.
        if (typeof f.event === 'string') this.eventFns.get(f.event)?.forEach(fn => fn(f.data));
      } else if (f.ref != null && (f.type === 'reply' || f.type === 'error')) {
        const p = this.pending.get(f.ref);
        if (p) {
          this.pending.delete(f.ref);
          clearTimeout(p.timer);
          if (f.type === 'reply') p.resolve(f.data);
          else p.reject(new RequestError(f.message ?? f.error ?? 'error', f.error ?? 'error', f as ErrorFrame));
        }
      } else if (f.type === 'error') {
        this.eventFns.get('error')?.forEach(fn => fn(f));
      } else if (typeof f.event === 'string') {
        this.eventFns.get(f.event)?.forEach(fn => fn(f.data));
      }
    }
    this.messageFns.forEach(fn => fn(data, ev));
  }

  /** Remembers a pub frame's position and returns it, or undefined for a duplicate. */
  private publication(f: Record<string, unknown>): Publication | undefined {
    const topic = f.topic as string, epoch = f.epoch as string, offset = f.offset as number;
    const last = this.pos.get(topic);
    if (last && last.epoch === epoch && offset <= last.offset) return undefined;
    if (this.unsent.has(topic) && last && (last.epoch !== epoch || offset > last.offset + 1)) this.gapped.add(topic);
    this.remember(topic, { epoch, offset });
    const data = f.encoding === 'base64' && typeof f.data === 'string' ? fromBase64(f.data) : f.data;
    return { topic, epoch, offset, data };
  }

  private remember(topic: string, p: Position): void {
    this.pos.delete(topic); // re-inserted last: the most recently updated
    this.pos.set(topic, { epoch: p.epoch, offset: p.offset });
  }

  private async closed(ev: CloseEvent, ws: WebSocket): Promise<void> {
    clearTimeout(this.stableTimer);
    this.forget(ws);
    if (ev.code !== 1000) this.error = ev;
    this.opts.onClose?.(ev);
    this.failPending('closed', ws);
    if (this.closedByUser) return;
    if (this.reopening === ws) {
      this.reopening = undefined;
      this.open();
      return;
    }
    const action = this.opts.reconnect === false ? 'stop' : closeAction(ev.code);
    if (action === 'stop' || this.retries >= (this.opts.maxRetries ?? Infinity)) {
      this.stop();
      return;
    }
    if (action === 'reauth') {
      if (!this.opts.onUnauthorized) {
        this.stop();
        return;
      }
      this.setStatus('reconnecting');
      let next: Reauth | boolean | void = false;
      try {
        next = await this.opts.onUnauthorized();
      } catch {
        next = false;
      }
      if (this.closedByUser) return;
      if (next === false) {
        this.stop();
        return;
      }
      if (typeof next === 'object') {
        if (next.url) this.url = resolveURL(next.url);
        if (next.protocols) this.protocols = next.protocols;
      }
    }
    this.schedule(action === 'later' ? this.laterDelay() : this.delay());
  }

  /** The next backoff delay: full jitter over a capped exponential. */
  delay(): number {
    const base = this.opts.backoff?.base ?? 500;
    const cap = this.opts.backoff?.cap ?? 5000;
    const ceiling = Math.min(cap, base * 2 ** this.retries);
    return Math.floor((this.opts.random ?? Math.random)() * ceiling);
  }

  private laterDelay(): number {
    return (this.opts.retryAfter ?? 2000) + this.delay();
  }

  private schedule(ms: number): void {
    this.retries++;
    clearTimeout(this.timer);
    this.retryAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.retryAt = undefined;
      if (!this.closedByUser) this.open();
    }, ms);
    // Listeners read retryAt when told the status: tell them again when
    // only retryAt changed.
    if (this.status === 'reconnecting') this.statusFns.forEach(fn => fn(this.status));
    else this.setStatus('reconnecting');
  }

  private setStatus(s: Status): void {
    if (this.status === s) return;
    this.status = s;
    this.statusFns.forEach(fn => fn(s));
  }

  // failPending rejects the requests sent on ws (every request when ws is
  // undefined); requests still in the offline buffer keep waiting.
  private failPending(code: string, ws?: WebSocket): void {
    for (const [ref, p] of this.pending) {
      if (ws && p.sentOn !== ws) continue;
      this.settle(ref, new RequestError('connection closed before the reply', code));
    }
  }
}

// closeEvent makes the close event of a socket the client gave up on
// itself (a CloseEvent where the runtime has one).
function closeEvent(code: number, reason: string): CloseEvent {
  const init = { code, reason, wasClean: false };
  if (typeof CloseEvent === 'function') return new CloseEvent('close', init);
  return Object.assign(new Event('close'), init) as CloseEvent;
}

function encode(data: unknown): string | ArrayBufferLike | ArrayBufferView {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data as ArrayBuffer;
  return JSON.stringify(data);
}

function decode(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function isPosition(p: unknown): p is Position {
  const q = p as Position;
  return !!q && typeof q.epoch === 'string' && typeof q.offset === 'number' && Number.isInteger(q.offset) && q.offset >= 0;
}

/** Reports whether data is a history frame of the given type with a topic and a position. */
function isFrame(data: unknown, type: 'pub' | 'joined'): data is Record<string, unknown> {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return false;
  const f = data as Record<string, unknown>;
  return f.type === type && typeof f.topic === 'string' && isPosition(f);
}

/**
 * The `nexo_since` JSON for positions: the most recently updated topics
 * first, within the server's caps ({@link maxSinceTopics} topics,
 * {@link maxSinceBytes} bytes) and {@link maxSinceURLBytes} once
 * URL-encoded. Empty when there is nothing to send.
 */
export function sinceParam(positions: Map<string, Position> | Record<string, Position>): string {
  return since(positions).json;
}

// since is sinceParam with the topics whose positions it holds.
function since(positions: Map<string, Position> | Record<string, Position>): { json: string; topics: string[] } {
  const entries = positions instanceof Map ? [...positions] : Object.entries(positions);
  const enc = new TextEncoder();
  const parts: string[] = [];
  const topics: string[] = [];
  let size = 2; // {}
  let urlSize = 6; // %7B%7D
  for (let i = entries.length - 1; i >= 0 && parts.length < maxSinceTopics; i--) {
    const [topic, p] = entries[i];
    const part = `${JSON.stringify(topic)}:${JSON.stringify({ epoch: p.epoch, offset: p.offset })}`;
    const comma = parts.length > 0 ? 1 : 0;
    const n = enc.encode(part).length + comma;
    const u = encodeURIComponent(part).length + 3 * comma; // %2C
    // A smaller, older one may still fit.
    if (size + n > maxSinceBytes || urlSize + u > maxSinceURLBytes) continue;
    parts.push(part);
    topics.push(topic);
    size += n;
    urlSize += u;
  }
  return { json: parts.length === 0 ? '' : `{${parts.join(',')}}`, topics };
}

function fromBase64(s: string): ArrayBuffer | string {
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  } catch {
    return s;
  }
}

/** Opens a WebSocket to url (a path resolves against the page) that reconnects per the nexo close-code contract. */
export function connect(url: string, options: Options = {}): NexoSocket {
  return new NexoSocket(url, options);
}

/**
 * One event of a typed contract: the data its request sends and the data
 * of its reply. The Go server's generated declarations (asyncapi.TypeScript)
 * give one per event, gathered in a map such as `ChatRoomEvents`.
 */
export interface EventSpec {
  request: unknown;
  reply: unknown;
}

/** A map of event names to their {@link EventSpec}. */
export type EventMap<E> = { [K in keyof E]: EventSpec };

// The arguments of a typed request: data may be left out when the event
// takes none or all of its fields are optional.
type RequestArgs<S extends EventSpec> = {} extends S['request']
  ? [data?: S['request'], opts?: RequestOptions]
  : [data: S['request'], opts?: RequestOptions];

/**
 * A {@link NexoSocket} seen through a contract: `request`, `emit` and `on`
 * take only the contract's event names, with their data types, and a
 * request resolves with its reply's type. Everything else is on `socket`.
 */
export interface TypedSocket<E extends EventMap<E>, P = {}> {
  readonly socket: NexoSocket;
  request<K extends keyof E & string>(event: K, ...args: RequestArgs<E[K]>): Promise<E[K]['reply']>;
  emit<K extends keyof E & string>(event: K, ...args: RequestArgs<E[K]>): boolean;
  on<K extends keyof P & string>(event: K, fn: (data: P[K]) => void): () => void;
}

/**
 * Types a socket with a contract generated from the Go handlers, so that
 * tsc checks every event name, request and reply:
 *
 * @example
 * import type { CalcEvents, CalcPushes } from './contract';
 * const calc = typed<CalcEvents, CalcPushes>(connect('/calc'));
 * const total = await calc.request('sum', { a: 1, b: 2 }); // typed reply
 */
export function typed<E extends EventMap<E>, P = {}>(socket: NexoSocket): TypedSocket<E, P> {
  return {
    socket,
    request: (event, ...[data, opts]) => socket.request(event, data, opts),
    emit: (event, ...[data]) => socket.emit(event, data),
    on: (event, fn) => socket.on(event, fn as (data: unknown) => void),
  };
}
