package main

import (
	"net/http"

	"github.com/olahol/melody"
)

// newMelody serves /echo and /fanout with two melody instances, since melody
// has one message handler per instance. The only change to melody's defaults
// is MaxMessageSize (512 B by default), raised so that 1 KiB payloads pass.
func newMelody() http.Handler {
	echo := melody.New()
	echo.Config.MaxMessageSize = 1 << 20
	echo.HandleMessage(func(s *melody.Session, msg []byte) { s.Write(msg) })
	echo.HandleMessageBinary(func(s *melody.Session, msg []byte) { s.WriteBinary(msg) })

	fan := melody.New()
	fan.Config.MaxMessageSize = 1 << 20
	fan.HandleMessage(func(s *melody.Session, msg []byte) { fan.Broadcast(msg) })
	fan.HandleMessageBinary(func(s *melody.Session, msg []byte) { fan.BroadcastBinary(msg) })

	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) { echo.HandleRequest(w, r) })
	mux.HandleFunc("/fanout", func(w http.ResponseWriter, r *http.Request) { fan.HandleRequest(w, r) })
	return mux
}
