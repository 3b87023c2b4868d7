// Must fail: every line marked "must fail" breaks the Go contract, and
// tsc must report an error on each of them and on no other line.
import { connect, typed } from 'nexo-client';
import type { V1RoomsRoomIdEvents, V1RoomsRoomIdPushes } from './contract';

const s = typed<V1RoomsRoomIdEvents, V1RoomsRoomIdPushes>(connect('/v1/rooms/lobby/1'));

export async function main(): Promise<void> {
  await s.request('signup', { id: 'u1', email: 'e', name: 'n', nickname: 'x' }); // must fail: no such field
  await s.request('signup', { email: 'e', name: 'n' }); // must fail: id is required
  await s.request('signup', { id: 'u1', email: 'e', name: 'n', plan: 'gold' }); // must fail: not one of the plans
  await s.request('signup', { id: 'u1', email: 'e', name: 'n', level: 4 }); // must fail: not one of the levels
  await s.request('signup', { id: 7, email: 'e', name: 'n' }); // must fail: id is a string
  await s.request('signup'); // must fail: data is required
  const n: number = await s.request('ping'); // must fail: the reply is a string
  await s.request('sum', { a: 1 }); // must fail: no such event
  s.on('nope', () => {}); // must fail: no such push
  s.on('welcome', d => d.nope); // must fail: no such field in the push
  console.log(n);
}
