import { useEffect, useRef, useState, useCallback } from 'react';
import { connect } from './nexo-client.js';
/**
 * React hook over {@link connect}: connects after mount (never during
 * server-side rendering), reconnects when path changes, closes on unmount.
 * The callbacks in options are those of the latest render; the other
 * options are read once per connect.
 */
export function useWebSocket(path, options = {}) {
    const [status, setStatus] = useState(typeof window === 'undefined' ? 'closed' : 'connecting');
    const [lastMessage, setLastMessage] = useState(undefined);
    const [error, setError] = useState(undefined);
    const [recovery, setRecovery] = useState(undefined);
    const [socket, setSocket] = useState(undefined);
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
    const send = useCallback((data) => socket?.send(data) ?? false, [socket]);
    return { status, send, lastMessage, error, recovery, socket };
}
