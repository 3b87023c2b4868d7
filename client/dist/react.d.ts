import { type NexoSocket, type Options, type Status } from './nexo-client.js';
/** What {@link useWebSocket} returns. */
export interface WebSocketState {
    status: Status;
    /** Sends like NexoSocket.send; false during server-side rendering or when not open. */
    send: (data: unknown) => boolean;
    lastMessage: unknown;
    error: Event | CloseEvent | undefined;
    /** The underlying socket, once connected in the browser. */
    socket: NexoSocket | undefined;
}
/**
 * React hook over {@link connect}: connects after mount (never during
 * server-side rendering), reconnects when path changes, closes on unmount.
 */
export declare function useWebSocket(path: string, options?: Options): WebSocketState;
