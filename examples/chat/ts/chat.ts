// The chat's requests typed with the declarations generated from the Go
// contract (../contract.d.ts): tsc checks the event names, their data and
// their replies (TestContractFiles runs it). index.html makes the same
// calls untyped.
import { connect, typed } from 'nexo-client';
import type { ChatRoomEvents, ChatRoomPushes } from '../contract';

export async function chat(room: string, name: string): Promise<string> {
  const sock = typed<ChatRoomEvents, ChatRoomPushes>(connect(`/chat/${encodeURIComponent(room)}?name=${encodeURIComponent(name)}`, { buffer: 20 }));
  await sock.request('message', { text: 'hello' });
  await sock.request('private', { text: 'psst', to: 'ada' });
  const given = await sock.request('rename', { name: 'grace' });
  return given.name; // "grace", or "grace (2)" when taken
}
