// Package asyncapi turns the contracts of an App's WebSocket routes
// (contract.Route, from nexo's App.WebSocketRoutes) into an AsyncAPI 3.0
// document (Generate) and TypeScript declarations for the browser client
// (TypeScript).
//
// Every route is a channel whose address is the route's pattern, with its
// path parameters. Every event a client sends is a "receive" operation
// whose reply is the reply frame or an error frame; every declared push is
// a "send" operation. Payloads are JSON Schemas derived from the Go types:
// encoding/json's field names and omitempty, and the validator tags
// required, min, max, len, gt, gte, lt, lte, oneof, email, url, uri, uuid,
// alpha and alphanum become required, minLength/maxLength,
// minimum/maximum, minItems/maxItems, enum, format and pattern. The close
// codes a client may see are in the document's description and in its
// x-nexo-close-codes extension.
//
// The package imports no broker: it reads only Go types.
package asyncapi
