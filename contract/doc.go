// Package contract describes what a WebSocket route speaks, as Go types: the
// event frames a client sends ({"event":...,"data":...,"ref":...}), the type
// of each event's data and of its reply, and the events the server pushes
// ({"event":...,"data":...}). A channels.EventRouter describes itself (see
// channels.Handle and channels.DeclarePush); a hand-written handler can
// declare its contract with Describe.
//
// The description is plain data. The asyncapi package turns an App's
// descriptions into an AsyncAPI 3.0 document and TypeScript types; this
// package imports no broker and no generator.
package contract
