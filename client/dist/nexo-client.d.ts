/**
 * nexo browser client: a WebSocket that reconnects the way the nexo server
 * asks it to, sends JSON by default, and speaks nexo's typed event frames.
 *
 * @example
 * import { connect } from '/nexo/client.js';
 * const sock = connect('/chat/lobby', { buffer: 20 });
 * sock.onMessage(msg => console.log(msg));
 * sock.send({ type: 'message', text: 'hi' });
 */
/** Connection state of a {@link NexoSocket}. */
export type Status = 'connecting' | 'open' | 'closed';
/** Backoff of reconnect attempts: capped exponential with full jitter. */
export interface Backoff {
    /** First delay in milliseconds (default 500). */
    base: number;
    /** Largest delay in milliseconds (default 30000). */
    cap: number;
}
/** What `onUnauthorized` may return to reconnect elsewhere or with a new token. */
export interface Reauth {
    url?: string;
    protocols?: string | string[];
}
/** Options of {@link connect}. */
export interface Options {
    /** Subprotocols offered at the handshake. */
    protocols?: string | string[];
    /** Reconnect after the connection drops (default true). */
    reconnect?: boolean;
    /** Reconnect attempts in a row before giving up (default Infinity). */
    maxRetries?: number;
    /** Reconnect delays (default base 500 ms, cap 30 s). */
    backoff?: Partial<Backoff>;
    /** Delay range in ms after 1001, 1013 or 4429: [min, min + backoff] (default 2000). */
    retryAfter?: number;
    /** Sends kept while not open, flushed in order on (re)connect; 0 keeps none (default). */
    buffer?: number;
    /** Called on 4401: resolve to reconnect (optionally elsewhere), reject or return false to stop. */
    onUnauthorized?: () => Promise<Reauth | boolean | void> | Reauth | boolean | void;
    /** Called with every message (see {@link NexoSocket.onMessage}). */
    onMessage?: (data: unknown, event: MessageEvent) => void;
    onOpen?: (event: Event) => void;
    onClose?: (event: CloseEvent) => void;
    onError?: (event: Event) => void;
    /** WebSocket constructor to use (tests, other runtimes). */
    WebSocket?: WebSocketLike;
    /** Random source in [0, 1), for tests (default Math.random). */
    random?: () => number;
}
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
    /** The server's error code ("validation", "unknown_event", ...), "timeout" or "closed". */
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
    /** Attempts made since the connection was last open. */
    retries: number;
    private url;
    private protocols?;
    private opts;
    private ws?;
    private timer?;
    private stableTimer?;
    private closedByUser;
    private queue;
    private messageFns;
    private statusFns;
    private eventFns;
    private pending;
    private nextRef;
    constructor(url: string, opts?: Options);
    /** Calls fn with every message: JSON-parsed text when valid JSON, else the string; binary as ArrayBuffer. Returns an unsubscribe function. */
    onMessage(fn: (data: unknown, event: MessageEvent) => void): () => void;
    /** Calls fn on every status change. Returns an unsubscribe function. */
    onStatus(fn: (s: Status) => void): () => void;
    /** Calls fn with the data of every `{"event": name}` frame; `on('error', fn)` gets error frames that answer no request. */
    on(event: string, fn: (data: unknown) => void): () => void;
    /** Sends a string as text, an ArrayBuffer or typed array as binary, anything else as JSON. Returns false when neither sent nor buffered. */
    send(data: unknown): boolean;
    /** Sends an event frame `{"event", "data"}`. */
    emit(event: string, data?: unknown): boolean;
    /** Sends an event frame with a ref and resolves with the server's reply data. */
    request<T = unknown>(event: string, data?: unknown, opts?: RequestOptions): Promise<T>;
    /** Closes the connection for good: no reconnect. */
    close(code?: number, reason?: string): void;
    private open;
    private receive;
    private closed;
    /** The next backoff delay: full jitter over a capped exponential. */
    delay(): number;
    private laterDelay;
    private schedule;
    private setStatus;
    private failPending;
}
/** Opens a WebSocket to url (a path resolves against the page) that reconnects per the nexo close-code contract. */
export declare function connect(url: string, options?: Options): NexoSocket;
