package main

import (
	"context"
	"net/http"

	"github.com/centrifugal/centrifuge"
)

// newCentrifuge serves centrifuge's own client protocol (JSON over its
// WebSocket handler) at both /echo and /fanout. A client must first send a
// connect command. Echo is an RPC whose reply carries the request's data;
// fan-out is a subscription to channel "fanout" plus client-side publish
// commands, which centrifuge delivers to every subscriber. Centrifuge may
// pack several pushes into one WebSocket frame (newline-separated), which the
// load generator counts as separate messages.
func newCentrifuge() (http.Handler, func(), error) {
	node, err := centrifuge.New(centrifuge.Config{LogLevel: centrifuge.LogLevelNone})
	if err != nil {
		return nil, nil, err
	}
	node.OnConnecting(func(ctx context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
		return centrifuge.ConnectReply{Credentials: &centrifuge.Credentials{UserID: ""}}, nil
	})
	node.OnConnect(func(c *centrifuge.Client) {
		c.OnSubscribe(func(e centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
			cb(centrifuge.SubscribeReply{}, nil)
		})
		c.OnPublish(func(e centrifuge.PublishEvent, cb centrifuge.PublishCallback) {
			cb(centrifuge.PublishReply{}, nil)
		})
		c.OnRPC(func(e centrifuge.RPCEvent, cb centrifuge.RPCCallback) {
			cb(centrifuge.RPCReply{Data: e.Data}, nil)
		})
	})
	if err := node.Run(); err != nil {
		return nil, nil, err
	}
	h := centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{
		CheckOrigin: func(*http.Request) bool { return true },
	})
	mux := http.NewServeMux()
	mux.Handle("/echo", h)
	mux.Handle("/fanout", h)
	closeNode := func() { node.Shutdown(context.Background()) }
	return mux, closeNode, nil
}
