// A fake WebSocket whose lifecycle the tests drive.
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static last(): FakeWebSocket { return FakeWebSocket.instances[FakeWebSocket.instances.length - 1]; }
  readyState = 0;
  binaryType = 'blob';
  sent: unknown[] = [];
  closedWith?: [number, string];
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  constructor(public url: string, public protocols?: string | string[]) {
    FakeWebSocket.instances.push(this);
  }
  send(data: unknown) { this.sent.push(data); }
  close(code = 1000, reason = '') { this.closedWith = [code, reason]; this.readyState = 3; }
  // Test drivers.
  open() { this.readyState = 1; this.onopen?.(new Event('open')); }
  message(data: unknown) { this.onmessage?.({ data } as MessageEvent); }
  drop(code: number, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 } as CloseEvent);
  }
}
