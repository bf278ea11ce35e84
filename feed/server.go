package feed

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hsi-top/hsi-top/clock"
	"github.com/hsi-top/hsi-top/config"
)

// Defaults for the Options left zero.
const (
	DefaultPingInterval  = 30 * time.Second
	DefaultQueueSize     = 8
	DefaultShutdownGrace = 1500 * time.Millisecond
	// DefaultSendBuffer is each connection's kernel send buffer (SO_SNDBUF).
	DefaultSendBuffer = 64 << 10
	// MaxClientFrame is the largest frame a client may send; a larger one closes the
	// connection with 1009.
	MaxClientFrame = 64 << 10
)

// Options configure a Server. Config, Source and Logger matter; the rest have defaults.
type Options struct {
	// Config is the serve section of hsi-top's configuration. Zero FeedInterval,
	// IdleTimeout and Addr take config.Default()'s values.
	Config config.ServeConfig
	// Source gives the newest snapshot (the collector engine).
	Source SnapshotSource
	// History answers /api/system/performance/history; nil answers 503.
	History HistoryReader
	// Logger receives the server's log; slog.Default() when nil.
	Logger *slog.Logger
	// Clock drives the feed cadence, the heartbeat, the idle check, the rate limiter and
	// the staleness checks; clock.Real{} when nil.
	Clock clock.Clock
	// CollectInterval is the collector's interval: /healthz and system_status health
	// call a snapshot older than three of them stalled. FeedInterval when zero.
	CollectInterval time.Duration
	// PingInterval is the server heartbeat's period; 30 s when zero.
	PingInterval time.Duration
	// QueueSize is how many frames a client may have waiting before it is dropped as
	// too slow; 8 when zero.
	QueueSize int
	// ShutdownGrace bounds each close handshake (shutdown, idle, rejection) before the
	// connection is cut; 1.5 s when zero.
	ShutdownGrace time.Duration
	// Page, when set, answers every path the feed does not (the embedded web page, or
	// a test page).
	Page http.Handler
	// SendBuffer is each accepted connection's kernel send buffer in bytes; 64 KiB when
	// zero, the kernel's own autotuning when negative. A small fixed buffer bounds the
	// kernel memory a stalled client can pin (autotuning lets a loopback socket buffer
	// megabytes) and so makes a client that stopped reading overflow its queue, and be
	// dropped, within a bounded number of ticks. The feed sends a few KB per tick, so
	// 64 KiB is many ticks of slack for a slow but live client.
	SendBuffer int
	// Secrets are the other configured secrets (the services' keys and passwords) that
	// must never appear in the server's log; the API key is always among them.
	Secrets []string
}

// Server is the feed's HTTP server. Create it with New and run it with Serve.
type Server struct {
	cfg             config.ServeConfig
	src             SnapshotSource
	hist            HistoryReader
	log             *slog.Logger
	clk             clock.Clock
	collectInterval time.Duration
	pingInterval    time.Duration
	queueSize       int
	grace           time.Duration
	page            http.Handler
	sendBuffer      int
	allowedHosts    []string // lower-case, besides IPs and localhost
	authFailures    *rateLimiter
	trustedProxies  []netip.Prefix
	secrets         []string // never logged; longest first
	maxConns        int
	// conns counts the sockets open or being opened, refused ones included, so that
	// the cap holds while handshakes are under way.
	conns   atomic.Int64
	authLog *throttledLog

	keyHash [sha256.Size]byte
	hasKey  bool

	hub     *hub
	frames  frameCache
	limiter *rateLimiter
	mux     *http.ServeMux
	self    selfStats

	// baseCtx is the lifetime of every connection; cancelled when shutdown ends.
	baseCtx    context.Context
	cancelBase context.CancelFunc

	// handlers tracks every /ws/system handler so Serve can wait for them (http.Server
	// does not track hijacked connections).
	handlersMu sync.Mutex
	handlers   sync.WaitGroup
	closed     bool

	started atomic.Bool
	stats   stats
}

// stats are the counters /metrics reports.
type stats struct {
	accepted       atomic.Uint64
	dropped        atomic.Uint64
	idleClosed     atomic.Uint64
	rejectedAuth   atomic.Uint64
	rejectedRate   atomic.Uint64
	rejectedOrigin atomic.Uint64
	rejectedHost   atomic.Uint64
	rejectedCap    atomic.Uint64
	ticks          atomic.Uint64
}

// New returns a server for opts. It starts nothing: Serve does.
func New(opts Options) (*Server, error) {
	if opts.Source == nil {
		return nil, errors.New("feed: no snapshot source")
	}
	def := config.Default().Serve
	cfg := opts.Config
	if cfg.Addr == "" {
		cfg.Addr = def.Addr
	}
	if cfg.FeedInterval <= 0 {
		cfg.FeedInterval = def.FeedInterval
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = def.IdleTimeout
	}
	if cfg.RateLimitPerMinute < 0 {
		return nil, fmt.Errorf("feed: rate limit %d per minute must not be negative", cfg.RateLimitPerMinute)
	}
	if cfg.MaxConnections < 0 {
		return nil, fmt.Errorf("feed: serve.max_connections %d must not be negative", cfg.MaxConnections)
	}
	if cfg.MaxConnections == 0 {
		cfg.MaxConnections = config.DefaultMaxConnections
	}
	proxies, err := parseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:             cfg,
		src:             opts.Source,
		hist:            opts.History,
		log:             opts.Logger,
		clk:             opts.Clock,
		collectInterval: opts.CollectInterval,
		pingInterval:    opts.PingInterval,
		queueSize:       opts.QueueSize,
		grace:           opts.ShutdownGrace,
		page:            opts.Page,
		sendBuffer:      opts.SendBuffer,
		trustedProxies:  proxies,
		maxConns:        cfg.MaxConnections,
		secrets:         secretList(cfg.APIKey.Value(), opts.Secrets),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.clk == nil {
		s.clk = clock.Real{}
	}
	if s.collectInterval <= 0 {
		s.collectInterval = cfg.FeedInterval.D()
	}
	if s.pingInterval <= 0 {
		s.pingInterval = DefaultPingInterval
	}
	if s.queueSize <= 0 {
		s.queueSize = DefaultQueueSize
	}
	if s.grace <= 0 {
		s.grace = DefaultShutdownGrace
	}
	if s.sendBuffer == 0 {
		s.sendBuffer = DefaultSendBuffer
	}
	if key := cfg.APIKey.Value(); key != "" {
		s.keyHash = sha256.Sum256([]byte(key))
		s.hasKey = true
	}
	s.allowedHosts = machineNames()
	for _, h := range cfg.AllowedHosts {
		s.allowedHosts = append(s.allowedHosts, strings.ToLower(strings.TrimSuffix(h, ".")))
	}
	s.limiter = newRateLimiter(cfg.RateLimitPerMinute)
	// Wrong API keys on REST count against the same per-minute allowance, so a key
	// cannot be guessed faster over REST than over the socket.
	s.authFailures = newRateLimiter(cfg.RateLimitPerMinute)
	s.authLog = newThrottledLog(time.Minute)
	s.hub = newHub(s)
	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

// Handler returns the server's routes. The WebSocket feed only delivers frames while
// Serve runs; Handler exists so that tests and other servers can mount the routes.
func (s *Server) Handler() http.Handler { return s.mux }

// Addr returns the configured listen address (cfg.Addr or the default).
func (s *Server) Addr() string { return s.cfg.Addr }

// ListenAndServe binds the configured address and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("feed: cannot listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

type rawConnKey struct{}

// Serve serves on ln until ctx ends, then shuts down: the listener closes, every
// socket is closed with 1001, and Serve returns when every connection has ended (a
// peer that does not complete the close handshake within the grace is cut). It returns
// nil after a shutdown caused by ctx and an error if the listener fails. A Server
// serves once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if !s.started.CompareAndSwap(false, true) {
		ln.Close()
		return errors.New("feed: Serve called twice")
	}
	s.warnIfExposed(ln.Addr())
	hs := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if tc, ok := c.(*net.TCPConn); ok && s.sendBuffer > 0 {
				tc.SetWriteBuffer(s.sendBuffer)
			}
			// Kept so that a close handshake can be cut at the socket when the peer
			// never answers.
			return context.WithValue(ctx, rawConnKey{}, c)
		},
	}
	// The tickers exist before the first client can connect, so that a fake clock
	// advanced after a connection always fires them.
	tk := s.hub.newTickers()
	hubCtx, stopHub := context.WithCancel(ctx)
	defer stopHub()
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		s.hub.run(hubCtx, tk)
	}()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("feed: serving", "addr", ln.Addr().String(), "feed_interval", s.cfg.FeedInterval.String(),
		"api_key", s.hasKey, "rate_limit_per_minute", s.cfg.RateLimitPerMinute,
		"max_connections", s.maxConns, "trusted_proxies", len(s.trustedProxies))

	var serveErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		serveErr = fmt.Errorf("feed: serving on %s: %w", ln.Addr(), err)
		errc <- nil
	}
	stopHub()
	<-hubDone
	s.shutdown(hs)
	<-errc
	if serveErr != nil {
		return serveErr
	}
	s.log.Info("feed: stopped")
	return nil
}

// shutdown closes the listener, every idle HTTP connection and every socket (1001),
// and waits for them all, at most about ShutdownGrace.
func (s *Server) shutdown(hs *http.Server) {
	s.handlersMu.Lock()
	s.closed = true
	s.handlersMu.Unlock()

	restDone := make(chan struct{})
	go func() {
		defer close(restDone)
		ctx, cancel := context.WithTimeout(context.Background(), s.grace)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
	}()
	s.hub.closeAll(websocketGoingAway, "server shutting down")
	s.handlers.Wait()
	s.cancelBase()
	<-restDone
}

// enter registers a WebSocket handler; false once shutdown has begun.
func (s *Server) enter() bool {
	s.handlersMu.Lock()
	defer s.handlersMu.Unlock()
	if s.closed {
		return false
	}
	s.handlers.Add(1)
	return true
}

// machineNames are this machine's host name and its short form, which a browser on the
// LAN uses to reach the feed directly.
func machineNames() []string {
	name, err := os.Hostname()
	if err != nil || name == "" {
		return nil
	}
	name = strings.ToLower(name)
	short, _, _ := strings.Cut(name, ".")
	if short == name {
		return []string{name}
	}
	return []string{name, short}
}

// warnIfExposed warns when the listener is reachable from other machines and no API key
// protects it.
func (s *Server) warnIfExposed(addr net.Addr) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || s.hasKey {
		return
	}
	if tcp.IP.IsLoopback() {
		return
	}
	s.log.Warn("feed: listening on an address reachable from other machines WITHOUT an API key: "+
		"anyone who can reach it can read the feed, REST and /metrics; set serve.api_key (HSI_API_KEY) "+
		"or listen on 127.0.0.1", "addr", addr.String())
}

func (s *Server) routes() {
	s.mux.HandleFunc("/ws/system", s.handleWS)
	s.mux.HandleFunc("/api/system/performance", s.rest(s.handlePerformance))
	s.mux.HandleFunc("/api/system/alerts", s.rest(s.handleAlerts))
	s.mux.HandleFunc("/api/system/performance/history", s.rest(s.handleHistory))
	s.mux.HandleFunc("/metrics", s.rest(s.handleMetrics))
	s.mux.HandleFunc("/healthz", s.handleHealthz)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.page != nil {
			s.page.ServeHTTP(w, r)
			return
		}
		writeJSONError(w, http.StatusNotFound, "not_found", "no such endpoint; try /ws/system, /api/system/performance, /api/system/performance/history, /metrics or /healthz")
	})
}
