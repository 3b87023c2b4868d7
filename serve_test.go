package nexo_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nexogo/nexo"
	"github.com/nexogo/nexo/ws"
)

// TestServeGraceful: when Serve's context ends (Run's SIGINT/SIGTERM),
// live WebSockets get 1001 and Serve returns nil.
func TestServeGraceful(t *testing.T) {
	app := nexo.New(nexo.WithShutdownWindow(0))
	app.WebSocketRoute("/ws", echo)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, ln) }()

	c, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, []byte("up"))
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "up" {
		t.Fatalf("echo: %q %v", msg, err)
	}
	cancel()
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, ws.CloseGoingAway) {
		t.Fatalf("got %v, want close 1001", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestServeFailsLoudlyOnBadBroker(t *testing.T) {
	t.Setenv("NEXO_BROKER", "carrier-pigeon")
	app := nexo.New(nexo.WithLogger(discardLogger()))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = app.Serve(context.Background(), ln)
	if err == nil || !strings.Contains(err.Error(), "NEXO_BROKER") {
		t.Fatalf("Serve: %v", err)
	}
	app.Shutdown(context.Background())
}

func nexotestShutdown(t *testing.T, app *nexo.App) {
	t.Helper()
	if err := app.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestServeTLS: ServeTLS serves HTTPS and wss:// with the certificate
// WithServer put in TLSConfig, and a WebSocket over TLS outlives the read
// timeout.
func TestServeTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	app := nexo.New(nexo.WithServer(func(s *http.Server) {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.ReadTimeout = time.Second // the TLS handshake must fit in it too, on a loaded machine
	}))
	app.WebSocketRoute("/ws", echo)
	addr, stop := startApp(t, func(ctx context.Context, ln net.Listener) error { return app.ServeTLS(ctx, ln, "", "") })
	d := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: pool}, HandshakeTimeout: 5 * time.Second}
	c, _, err := d.Dial("wss://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(1500 * time.Millisecond) // past the read timeout
	c.WriteMessage(websocket.TextMessage, []byte("over tls"))
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "over tls" {
		t.Fatalf("echo: %q %v", msg, err)
	}
	served := make(chan error, 1)
	go func() { served <- stop() }()
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, ws.CloseGoingAway) {
		t.Fatalf("got %v, want close 1001", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("ServeTLS: %v", err)
	}
}

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "nexo test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true,

		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
