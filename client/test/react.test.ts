// @vitest-environment node
import { describe, it, expect } from 'vitest';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { useWebSocket } from '../src/react';
import { FakeWebSocket } from './fake';

describe('useWebSocket', () => {
  it('never connects during server-side rendering', () => {
    FakeWebSocket.instances = [];
    let state: ReturnType<typeof useWebSocket> | undefined;
    function App() {
      state = useWebSocket('ws://h/ws', { WebSocket: FakeWebSocket as never });
      return createElement('p', null, state.status);
    }
    const html = renderToString(createElement(App));
    expect(html).toContain('closed');
    expect(FakeWebSocket.instances.length).toBe(0);
    expect(state!.send('x')).toBe(false);
  });
});

describe('useWebSocket mounted', () => {
  it('connects after mount, tracks status and messages, reconnects on a new path, closes on unmount', async () => {
    const { act, create } = await import('react-test-renderer');
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
    FakeWebSocket.instances = [];
    let state: ReturnType<typeof useWebSocket> | undefined;
    function App({ path }: { path: string }) {
      state = useWebSocket(path, { WebSocket: FakeWebSocket as never });
      return null;
    }
    let root!: ReturnType<typeof create>;
    await act(async () => { root = create(createElement(App, { path: 'ws://h/a' })); });
    expect(FakeWebSocket.instances.length).toBe(1);
    expect(state!.status).toBe('connecting');
    const first = FakeWebSocket.last();
    await act(async () => { first.open(); });
    expect(state!.status).toBe('open');
    expect(state!.send({ n: 1 })).toBe(true);
    expect(first.sent).toEqual(['{"n":1}']);
    await act(async () => { first.message('{"hello":"x"}'); });
    expect(state!.lastMessage).toEqual({ hello: 'x' });
    await act(async () => {
      first.message('{"type":"pub","topic":"t","epoch":"E","offset":3,"data":"hi"}');
      first.message('{"type":"joined","topic":"t","epoch":"F","offset":9,"recovered":false}');
    });
    expect(state!.lastMessage).toBe('hi');
    expect(state!.recovery).toEqual({ topic: 't', epoch: 'F', offset: 9, recovered: false });
    expect(state!.socket!.positions()).toEqual({ t: { epoch: 'F', offset: 9 } });

    await act(async () => { root.update(createElement(App, { path: 'ws://h/b' })); });
    expect(first.closedWith?.[0]).toBe(1000);
    expect(FakeWebSocket.instances.length).toBe(2);
    expect(FakeWebSocket.last().url).toBe('ws://h/b?nexo_heartbeat=1');

    const second = FakeWebSocket.last();
    await act(async () => { root.unmount(); });
    expect(second.closedWith?.[0]).toBe(1000);
    second.drop(1006);
    await new Promise(r => setTimeout(r, 20));
    expect(FakeWebSocket.instances.length).toBe(2);
  });
});

describe('useWebSocket callbacks', () => {
  it('calls the onOpen and onUnauthorized of the latest render, as it does onMessage', async () => {
    const { act, create } = await import('react-test-renderer');
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
    FakeWebSocket.instances = [];
    const opened: string[] = [];
    // A token refreshed by the page: the socket must reconnect with the
    // one it holds now, not the one it had when the socket was made.
    function App({ token }: { token: string }) {
      useWebSocket('ws://h/feed', {
        WebSocket: FakeWebSocket as never,
        backoff: { base: 1, cap: 1 },
        onOpen: () => opened.push(token),
        onUnauthorized: () => ({ url: `ws://h/feed?token=${token}` }),
      });
      return null;
    }
    let root!: ReturnType<typeof create>;
    await act(async () => { root = create(createElement(App, { token: 'old' })); });
    await act(async () => { FakeWebSocket.last().open(); });
    await act(async () => { root.update(createElement(App, { token: 'new' })); });
    expect(FakeWebSocket.instances.length).toBe(1);
    await act(async () => { FakeWebSocket.last().drop(4401); });
    await act(async () => { await new Promise(r => setTimeout(r, 20)); });
    expect(FakeWebSocket.instances.length).toBe(2);
    expect(FakeWebSocket.last().url).toBe('ws://h/feed?token=new&nexo_heartbeat=1');
    await act(async () => { FakeWebSocket.last().open(); });
    expect(opened).toEqual(['old', 'new']);
    await act(async () => { root.unmount(); });
  });
});
