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
export declare const maxSinceTopics = 64;
/** At most this many bytes of JSON go into `nexo_since` (the server's cap). */
export declare const maxSinceBytes = 8192;
/**
 * At most this many characters of `nexo_since` go into the URL, once
 * URL-encoded: with the path and the rest of the query the request line
 * stays within the 8 KiB that nginx (`large_client_header_buffers`) and
 * Apache (`LimitRequestLine`) take by default; a longer one is refused
 * (414) on every attempt, and the page never reconnects. The topics left
 * out, the least recently updated, reconnect as newcomers.
 */
export declare const maxSinceURLBytes = 4096;
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
export declare const heartbeatParam = "nexo_heartbeat";
/** The default of {@link Options.connectTimeout}, in milliseconds. */
export declare const defaultConnectTimeout = 10000;
/** The subset of the WebSocket constructor the client needs. */
export type WebSocketLike = new (url: string, protocols?: string | string[]) => WebSocket;
/** What the client does after a close code. */
export type CloseAction = 'stop' | 'retry' | 'later' | 'reauth';
/**
 * The close-code contract with the nexo server: 1000 and policy codes stop,
 * 1001 / 1013 / 4429 retry later, 4401 re-authenticates, the rest retry with
 * backoff.
 */
export declare function closeAction(code: number): CloseAction;
/** An error reply of the server, or a request that failed. */
export declare class RequestError extends Error {
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
    constructor(message: string, code: string, frame?: ErrorFrame);
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
/**
 * Resolves a path or URL to a WebSocket URL: relative paths use the page's
 * origin (wss: on https:), http(s): becomes ws(s):, ws(s): passes through.
 */
export declare function resolveURL(url: string, base?: string): string;
/** A WebSocket that reconnects. Create it with {@link connect}. */
export declare class NexoSocket {
    /** Current state. */
    status: Status;
    /** The last message received (parsed like onMessage's data). */
    lastMessage: unknown;
    /** The last error or abnormal close, cleared on open. */
    error: Event | CloseEvent | undefined;
    /** Attempts made since the connection was last open for 5 s in a row. */
    retries: number;
    /** While `reconnecting`: when the next attempt starts (ms since the epoch, like Date.now()). */
    retryAt: number | undefined;
    private url;
    private protocols?;
    private opts;
    private ws?;
    private timer?;
    private stableTimer?;
    private connectTimer?;
    private beatWithin;
    private lastHeard;
    private beatTimer?;
    private closedByUser;
    private reopening?;
    private queue;
    private listening;
    private wake;
    private offline;
    private wakeVisible;
    private messageFns;
    private statusFns;
    private eventFns;
    private pending;
    private nextRef;
    private pos;
    private unsent;
    private gapped;
    private recoveryFns;
    private pubFns;
    constructor(url: string, opts?: Options);
    private listen;
    private stop;
    /** Calls fn with every message: JSON-parsed text when valid JSON, else the string; binary as ArrayBuffer. Returns an unsubscribe function. */
    onMessage(fn: (data: unknown, event: MessageEvent) => void): () => void;
    /**
     * Calls fn with every message on a topic with history, with its topic
     * and position, after duplicates are dropped; onMessage gets its data
     * too. Returns an unsubscribe function.
     */
    onPublication(fn: (p: Publication, event: MessageEvent) => void): () => void;
    /**
     * Calls fn with every "joined" frame: once per topic with recovery on
     * each (re)connect, after the replay of what was missed. Check
     * `joined.recovered`: false means messages were lost and the application
     * must resynchronise (reload over HTTP, show a notice). Returns an
     * unsubscribe function.
     */
    onRecovery(fn: (joined: Joined) => void): () => void;
    /**
     * The last position of every topic with history seen on this socket, as
     * sent in `nexo_since` on the next reconnect. A copy: save it (e.g. in
     * sessionStorage) and pass it as the `positions` option to carry on
     * after a page reload.
     */
    positions(): Record<string, Position>;
    /**
     * Calls fn with the current status at once, then on every change.
     * Returns an unsubscribe function.
     */
    onStatus(fn: (s: Status) => void): () => void;
    /** Calls fn with the data of every `{"event": name}` frame; `on('error', fn)` gets error frames that answer no request. */
    on(event: string, fn: (data: unknown) => void): () => void;
    /** Sends a string as text, an ArrayBuffer or typed array as binary, anything else as JSON. Returns false when neither sent nor buffered. */
    send(data: unknown): boolean;
    private enqueue;
    private markSent;
    private settle;
    /** Sends an event frame `{"event", "data"}`. */
    emit(event: string, data?: unknown): boolean;
    /**
     * Sends an event frame with a ref and resolves with the server's reply
     * data. While offline, with a `buffer`, the request waits in the buffer
     * and is sent on reconnect; once it is rejected (timeout, dropped,
     * close()) it is taken out of the buffer and never sent. A request sent
     * on a connection that ends before the reply is rejected with "closed"
     * and not sent again (the server may have run it).
     */
    request<T = unknown>(event: string, data?: unknown, opts?: RequestOptions): Promise<T>;
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
    reconnectNow(): void;
    private dropOffline;
    private giveUp;
    private detach;
    private forget;
    private stopTimers;
    private retryNowIfWaiting;
    /**
     * Forgets the position of topic (of every topic when omitted) and
     * reconnects at once, so that the server treats this client as a
     * newcomer on that topic (with `channels.RecoverLast(n)` it replays the
     * last n messages). For a page told `recovered: false`; drop duplicates
     * of what the page already shows by their (epoch, offset), from
     * onPublication.
     */
    resync(topic?: string): void;
    /** Closes the connection for good: no reconnect. */
    close(code?: number, reason?: string): void;
    private open;
    private beat;
    private armBeat;
    private stopBeat;
    /**
     * The URL of the next attempt: the URL with `nexo_since` when positions
     * are known, and `nexo_heartbeat=1` unless heartbeats are off.
     */
    private dialURL;
    private receive;
    /** Remembers a pub frame's position and returns it, or undefined for a duplicate. */
    private publication;
    private remember;
    private closed;
    /** The next backoff delay: full jitter over a capped exponential. */
    delay(): number;
    private laterDelay;
    private schedule;
    private setStatus;
    private failPending;
}
/**
 * The `nexo_since` JSON for positions: the most recently updated topics
 * first, within the server's caps ({@link maxSinceTopics} topics,
 * {@link maxSinceBytes} bytes) and {@link maxSinceURLBytes} once
 * URL-encoded. Empty when there is nothing to send.
 */
export declare function sinceParam(positions: Map<string, Position> | Record<string, Position>): string;
/** Opens a WebSocket to url (a path resolves against the page) that reconnects per the nexo close-code contract. */
export declare function connect(url: string, options?: Options): NexoSocket;
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
export type EventMap<E> = {
    [K in keyof E]: EventSpec;
};
type RequestArgs<S extends EventSpec> = {} extends S['request'] ? [data?: S['request'], opts?: RequestOptions] : [data: S['request'], opts?: RequestOptions];
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
export declare function typed<E extends EventMap<E>, P = {}>(socket: NexoSocket): TypedSocket<E, P>;
export {};
