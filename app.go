package nexo

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/nexogo/nexo/channels"
	"github.com/nexogo/nexo/client"
	"github.com/nexogo/nexo/internal/brokerdriver"
	"github.com/nexogo/nexo/ws"
)

// App is a nexo application: HTTP routes on chi, WebSocket routes, and the
// lifecycle that drains both. It implements http.Handler.
//
// Set routes up before serving. Everything else on an App is safe for
// concurrent use.
type App struct {
	*Router
	cfg       config
	ws        *ws.Server
	ctx       context.Context
	cancel    context.CancelFunc
	broker    channels.Broker
	ownBroker bool  // created by the App, closed by Shutdown
	err       error // set up failed: Run and Serve return it
	client    http.Handler
	instance  string         // names this App in its connection IDs
	subs      []subscription // the App's own, removed by Shutdown

	mu   sync.Mutex
	http *http.Server
}

var _ http.Handler = (*App)(nil)

// New returns an App with the given options.
//
// New opens the App's broker: the one WithBroker gives or else the one
// the environment names, NEXO_BROKER (memory, the default; redis or nats,
// whose package the program must import, such as
// import _ "github.com/nexogo/nexo/channels/redisbroker"), which may dial
// NEXO_REDIS_URL or NEXO_NATS_URL for up to 10 s. New does not return an
// error: a broker that cannot be opened leaves the App unable to start,
// which Err reports and Run and Serve return before listening, so check
// Err when you do not call them. New logs, at info level on the App's
// logger, the broker it uses ("nexo: broker redis at 127.0.0.1:6379",
// "nexo: broker in-process"), or the error.
func New(opts ...Option) *App {
	cfg := config{
		shutdownWindow:  time.Second,
		shutdownTimeout: 10 * time.Second,
		logger:          slog.Default(),
		userID:          UserIDOf,
	}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithCancel(withProvided(context.Background()))
	a := &App{Router: NewRouter(), cfg: cfg, ctx: ctx, cancel: cancel, instance: newInstanceID()}
	wsOpts := append([]ws.Option{ws.WithLogger(cfg.logger)}, cfg.wsOpts...)
	wsOpts = append(wsOpts, ws.WithIDPrefix(a.instance+idSeparator))
	a.ws = ws.NewServer(ctx, wsOpts...)
	var where string
	a.broker, a.ownBroker, where, a.err = cfg.openBroker(ctx, brokerdriver.Lookup)
	for _, w := range cfg.wrappers {
		a.broker = w(a.broker)
	}
	if a.err == nil {
		a.err = a.listen()
	}
	if a.err != nil {
		cfg.logger.Error("nexo: broker unavailable", "err", a.err)
	} else {
		cfg.logger.Info("nexo: broker " + where)
	}
	a.Router.bind(a.ws, ws.Chain{a.attach()})
	if !cfg.noClient {
		a.client = client.Handler()
	}
	for _, f := range cfg.setups {
		f(a)
	}
	return a
}

// ServeHTTP routes the request. The browser client is served at
// /nexo/client.js and its React hook at /nexo/react.js unless
// WithoutClient was given.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.client != nil && (r.URL.Path == client.Path || r.URL.Path == client.ReactPath) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		a.client.ServeHTTP(w, r)
		return
	}
	a.Router.ServeHTTP(w, a.withValues(r))
}

// Err returns the error that kept the App from starting, such as a broker
// that could not be reached; Run and Serve return it before listening.
func (a *App) Err() error { return a.err }

// WS returns the App's WebSocket server: live connections, counters.
func (a *App) WS() *ws.Server { return a.ws }

// Context returns the App's base context, cancelled by Shutdown once every
// connection has ended. Connection contexts derive from it.
func (a *App) Context() context.Context { return a.ctx }

// Run serves HTTP on addr until SIGINT or SIGTERM, then shuts down
// gracefully within the shutdown timeout. The server's limits are those of
// newHTTPServer, changed by WithServer.
func (a *App) Run(addr string) error {
	return a.run(addr, a.Serve)
}

// RunTLS is Run over TLS, with the certificate and key in the given PEM
// files (both may be empty when WithServer sets TLSConfig.Certificates
// or GetCertificate).
func (a *App) RunTLS(addr, certFile, keyFile string) error {
	return a.run(addr, func(ctx context.Context, ln net.Listener) error {
		return a.ServeTLS(ctx, ln, certFile, keyFile)
	})
}

// run listens on addr and serves with serve until SIGINT or SIGTERM.
func (a *App) run(addr string, serve func(context.Context, net.Listener) error) error {
	if a.err != nil {
		return a.err // before taking the address
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return serve(ctx, ln)
}

// Serve serves HTTP on ln until ctx ends, then shuts down gracefully within
// the shutdown timeout.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	return a.serve(ctx, ln, func(srv *http.Server) error { return srv.Serve(ln) })
}

// ServeTLS is Serve over TLS; see RunTLS for the files.
func (a *App) ServeTLS(ctx context.Context, ln net.Listener, certFile, keyFile string) error {
	return a.serve(ctx, ln, func(srv *http.Server) error { return srv.ServeTLS(ln, certFile, keyFile) })
}

// serve runs the App's http.Server with run until ctx ends, then shuts
// down.
func (a *App) serve(ctx context.Context, ln net.Listener, run func(*http.Server) error) error {
	if a.err != nil {
		ln.Close()
		return a.err
	}
	srv := a.newHTTPServer()
	a.mu.Lock()
	a.http = srv
	a.mu.Unlock()
	errc := make(chan error, 1)
	go func() { errc <- run(srv) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.shutdownTimeout)
	defer cancel()
	err := a.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// Shutdown stops new handshakes, closes every WebSocket with 1001 (spread
// over the shutdown window) and waits for their handlers, then stops the
// HTTP server and waits for the requests in flight, then cancels the App's
// context. Until the WebSockets are done the listener stays open: a new
// upgrade request is answered 503 with Retry-After, plain requests are
// still served, without keep-alive. When ctx ends first, what is left is
// closed at once and ctx.Err() is returned.
func (a *App) Shutdown(ctx context.Context) error {
	a.mu.Lock()
	srv := a.http
	a.mu.Unlock()
	if srv != nil {
		srv.SetKeepAlivesEnabled(false)
	}
	wsErr := a.ws.Shutdown(ctx, a.cfg.shutdownWindow)
	var httpErr error
	if srv != nil {
		httpErr = srv.Shutdown(ctx)
	}
	a.cancel()
	brokerErr := a.unlisten(ctx)
	if a.ownBroker {
		brokerErr = a.broker.Close()
	}
	return errors.Join(wsErr, httpErr, brokerErr)
}
