// Must compile against the declarations generated for the test App of
// typescript_test.go: every call follows the Go contract.
import { connect, typed } from 'nexo-client';
import type { V1RoomsRoomIdEvents, V1RoomsRoomIdPushes, Welcome } from './contract';

const s = typed<V1RoomsRoomIdEvents, V1RoomsRoomIdPushes>(connect('/v1/rooms/lobby/1'));

export async function main(): Promise<void> {
  const w: Welcome = await s.request('signup', { id: 'u1', email: 'ada@example.com', name: 'ada', plan: 'big team', level: 2 });
  const count: number = w.count;
  const id: string = w.user.id;
  const pong: string = await s.request('ping');
  const echoed: unknown = await s.request('echo', { anything: [1, 2] }, { timeout: 500 });
  s.emit('ping');
  s.on('welcome', d => console.log(d.count + 1, d.user.id));
  s.on('signup', list => list.map(b => b.id.toUpperCase()));
  console.log(count, id, pong, echoed, s.socket.status);
}
