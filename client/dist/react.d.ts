import { type Joined, type NexoSocket, type Options, type Status } from './nexo-client.js';
/** What {@link useWebSocket} returns. */
export interface WebSocketState {
    status: Status;
    /** Sends like NexoSocket.send; false during server-side rendering or when not open. */
    send: (data: unknown) => boolean;
    lastMessage: unknown;
    error: Event | CloseEvent | undefined;
    /**
     * The last "joined" frame of a topic with history; when its `recovered`
     * is false, messages were lost while offline and the component should
     * reload its state. Positions are on `socket.positions()`.
     */
    recovery: Joined | undefined;
    /** The underlying socket, once connected in the browser. */
    socket: NexoSocket | undefined;
}
/**
 * React hook over {@link connect}: connects after mount (never during
 * server-side rendering), reconnects when path changes, closes on unmount.
 * The callbacks in options are those of the latest render; the other
 * options are read once per connect.
 */
export declare function useWebSocket(path: string, options?: Options): WebSocketState;
