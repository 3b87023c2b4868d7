import { useEffect, useRef, useState, useCallback } from 'react';
import { connect, type Joined, type NexoSocket, type Options, type Status } from './nexo-client.js';

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
export function useWebSocket(path: string, options: Options = {}): WebSocketState {
  const [status, setStatus] = useState<Status>(typeof window === 'undefined' ? 'closed' : 'connecting');
  const [lastMessage, setLastMessage] = useState<unknown>(undefined);
  const [error, setError] = useState<Event | CloseEvent | undefined>(undefined);
  const [recovery, setRecovery] = useState<Joined | undefined>(undefined);
  const [socket, setSocket] = useState<NexoSocket | undefined>(undefined);
  const optsRef = useRef(options);
  optsRef.current = options;

  useEffect(() => {
    const sock = connect(path, {
      ...optsRef.current,
      onMessage: (data, ev) => { setLastMessage(data); optsRef.current.onMessage?.(data, ev); },
      onClose: ev => { setError(sock.error); optsRef.current.onClose?.(ev); },
      onError: ev => { setError(ev); optsRef.current.onError?.(ev); },
      onRecovery: j => { setRecovery(j); optsRef.current.onRecovery?.(j); },
      onOpen: ev => optsRef.current.onOpen?.(ev),
      // The latest render's; a render without one stops on 4401.
      onUnauthorized: () => {
        const f = optsRef.current.onUnauthorized;
        return f ? f() : false;
      },
    });
    const off = sock.onStatus(setStatus);
    setSocket(sock);
    return () => { off(); sock.close(); setSocket(undefined); };
  }, [path]);

  const send = useCallback((data: unknown) => socket?.send(data) ?? false, [socket]);
  return { status, send, lastMessage, error, recovery, socket };
}
