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
    expect(FakeWebSocket.last().url).toBe('ws://h/b');

    const second = FakeWebSocket.last();
    await act(async () => { root.unmount(); });
    expect(second.closedWith?.[0]).toBe(1000);
    second.drop(1006);
    await new Promise(r => setTimeout(r, 20));
    expect(FakeWebSocket.instances.length).toBe(2);
  });
});
