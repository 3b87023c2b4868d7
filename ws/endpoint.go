package ws

// Endpoint is a class-style handler, like Nexios's WebSocketEndpoint: a type
// whose methods handle the connection's life. Serve adapts it.
//
// The methods of one connection are called from one goroutine, in order;
// an Endpoint value shared by many connections must be safe for concurrent
// use.
type Endpoint interface {
	// OnConnect runs after the handshake; an error closes with 1011.
	OnConnect(c *Conn) error
	// OnReceive runs for every data message; an error closes with 1011.
	OnReceive(c *Conn, m Message) error
	// OnDisconnect runs once the connection has ended.
	OnDisconnect(c *Conn, err error)
}

// EndpointOptions is implemented by an Endpoint that needs handshake
// options (subprotocols, compression, limits).
type EndpointOptions interface {
	Options() []Option
}

// Serve returns the HandlerFunc for an Endpoint.
func Serve(e Endpoint) HandlerFunc {
	ev := Events{
		OnConnect:    e.OnConnect,
		OnMessage:    e.OnReceive,
		OnDisconnect: e.OnDisconnect,
	}
	if o, ok := e.(EndpointOptions); ok {
		ev.Options = o.Options()
	}
	return ev.Handler()
}
