package ws

// Events is an event-style handler: callbacks instead of a read loop.
// Handler turns it into a HandlerFunc. Unset callbacks are skipped.
//
//	app.WebSocketRoute("/ws", ws.Events{
//		OnMessage: func(c *ws.Conn, m ws.Message) error { return c.Send(m) },
//	}.Handler())
type Events struct {
	// OnConnect runs after the handshake. An error closes the connection
	// with 1011.
	OnConnect func(c *Conn) error
	// OnMessage runs for every data message, one at a time, in order.
	OnMessage func(c *Conn, m Message) error
	// OnError handles an error from OnMessage. Returning nil keeps the
	// connection open; returning an error closes it. Without OnError,
	// an OnMessage error closes the connection with 1011.
	OnError func(c *Conn, err error) error
	// OnDisconnect runs once the connection has ended, with the error
	// that ended it (a *CloseError when the peer closed).
	OnDisconnect func(c *Conn, err error)
	// Options are applied at the handshake.
	Options []Option
}

// Handler returns the HandlerFunc that dispatches to the callbacks.
func (e Events) Handler() HandlerFunc {
	return func(c *Conn) (err error) {
		if err := c.Accept(e.Options...); err != nil && err != ErrAlreadyAccepted {
			return err
		}
		if e.OnDisconnect != nil {
			defer func() { e.OnDisconnect(c, disconnectErr(c, err)) }()
		}
		if e.OnConnect != nil {
			if err := e.OnConnect(c); err != nil {
				return err
			}
		}
		for {
			m, err := c.Receive()
			if err != nil {
				return err
			}
			if e.OnMessage == nil {
				continue
			}
			if err := e.OnMessage(c, m); err != nil {
				if e.OnError == nil {
					return err
				}
				if err := e.OnError(c, err); err != nil {
					return err
				}
			}
		}
	}
}

// disconnectErr is what OnDisconnect sees: the handler's error, or how the
// connection ended.
func disconnectErr(c *Conn, err error) error {
	if err != nil {
		return err
	}
	if ce := c.CloseErr(); ce != nil {
		return ce
	}
	return nil
}
