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
