package feed

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/hsi-top/hsi-top/clock"
)

const websocketGoingAway = websocket.StatusGoingAway

// pingFrame is the server heartbeat.
var pingFrame = []byte(`{"type":"ping"}`)

// pongFrame answers a client's ping.
var pongFrame = []byte(`{"type":"pong"}`)

// hub owns the cadence and the set of connected clients. Broadcasting never blocks: a
// client whose queue is full is dropped.
type hub struct {
	s *Server

	mu      sync.Mutex
	clients map[*client]struct{}
	closed  bool
}

func newHub(s *Server) *hub {
	return &hub{s: s, clients: map[*client]struct{}{}}
}

type hubTickers struct {
	feed, ping, sweep clock.Ticker
}

func (h *hub) newTickers() hubTickers {
	clk := h.s.clk
	sweep := min(time.Second, h.s.cfg.IdleTimeout.D()/4)
	return hubTickers{
		feed:  clk.NewTicker(h.s.cfg.FeedInterval.D()),
		ping:  clk.NewTicker(h.s.pingInterval),
		sweep: clk.NewTicker(max(sweep, time.Millisecond)),
	}
}

// run is the hub's loop: a system_status and a performance_update every feed tick, a
// ping every heartbeat, and the idle check.
func (h *hub) run(ctx context.Context, tk hubTickers) {
	defer tk.feed.Stop()
	defer tk.ping.Stop()
	defer tk.sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.feed.C():
			h.tick()
		case <-tk.ping.C():
			h.broadcast(pingFrame)
		case <-tk.sweep.C():
			h.sweepIdle()
		}
	}
}

// tick sends this tick's frames, encoded once, to every client.
func (h *hub) tick() {
	fs := h.s.currentFrames()
	h.s.stats.ticks.Add(1)
	if fs.perf == nil {
		// No snapshot yet: the page drops a performance_update without data, so send
		// only the status.
		h.broadcast(fs.status)
		return
	}
	h.broadcast(fs.status, fs.perf)
}

// broadcast offers the frames to every client without waiting for any.
func (h *hub) broadcast(frames ...[]byte) {
	var slow []*client
	h.mu.Lock()
	for c := range h.clients {
		for _, f := range frames {
			if !c.offer(f) {
				delete(h.clients, c)
				slow = append(slow, c)
				break
			}
		}
	}
	h.mu.Unlock()
	// Outside the lock: logging may block (a full journal), and must not stall the
	// other clients' delivery.
	for _, c := range slow {
		h.dropSlow(c)
	}
}

func (h *hub) dropSlow(c *client) {
	if c.dropped.Swap(true) {
		return
	}
	h.s.stats.dropped.Add(1)
	h.s.log.Warn("feed: client too slow, disconnected", "remote", c.ip, "queued_frames", cap(c.queue))
	c.kill()
}

// register adds c and queues its first frame atomically with respect to broadcasts, so
// the connect-time system_status always comes first. It reports false after closeAll.
func (h *hub) register(c *client, first []byte) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	c.offer(first)
	return true
}

// unregister removes c; afterwards no hub action starts on it.
func (h *hub) unregister(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
}

// count returns the number of connected clients.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// sweepIdle closes, with 1000 "Idle timeout", the clients that sent nothing for
// IdleTimeout.
func (h *hub) sweepIdle() {
	now := h.s.clk.Now().UnixNano()
	idle := h.s.cfg.IdleTimeout.D().Nanoseconds()
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		if now-c.lastRead.Load() >= idle && c.startClose(websocket.StatusNormalClosure, "Idle timeout") {
			h.s.stats.idleClosed.Add(1)
			h.s.log.Debug("feed: client idle, closed", "remote", c.ip)
		}
	}
}

// closeAll refuses new clients and closes every client with code and reason.
func (h *hub) closeAll(code websocket.StatusCode, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		c.startClose(code, reason)
	}
}

// client is one WebSocket connection. The handler goroutine writes (draining queue),
// one goroutine reads; a close handshake runs in a third, bounded by the grace.
type client struct {
	s     *Server
	conn  *websocket.Conn
	raw   net.Conn // nil when the handler is mounted on a foreign http.Server
	ip    string
	queue chan []byte

	ctx    context.Context
	cancel context.CancelFunc

	lastRead  atomic.Int64 // clock time of the last client frame, UnixNano
	dropped   atomic.Bool
	closing   atomic.Bool
	closeDone chan struct{}
}

// offer queues f without blocking; false when the queue is full.
func (c *client) offer(f []byte) bool {
	select {
	case c.queue <- f:
		return true
	default:
		return false
	}
}

// kill ends the connection at once, without a close handshake.
func (c *client) kill() {
	c.cancel()
	if c.raw != nil {
		c.raw.Close()
	}
}

// startClose begins a close handshake in its own goroutine; false if one was already
// started.
func (c *client) startClose(code websocket.StatusCode, reason string) bool {
	if !c.closing.CompareAndSwap(false, true) {
		return false
	}
	go c.closeHandshake(code, reason)
	return true
}

// closeHandshake sends the close frame and waits for the peer's answer at most the
// grace, then cuts the connection.
func (c *client) closeHandshake(code websocket.StatusCode, reason string) {
	defer close(c.closeDone)
	c.s.closeBounded(c.conn, c.raw, code, reason, c.cancel)
}

// closeBounded runs conn.Close(code, reason) and cuts the connection if it has not
// finished within the grace (a peer that never answers, or a writer blocked on a full
// socket). It returns when conn.Close has returned.
func (s *Server) closeBounded(conn *websocket.Conn, raw net.Conn, code websocket.StatusCode, reason string, cancel context.CancelFunc) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn.Close(code, reason)
	}()
	t := time.NewTimer(s.grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		if cancel != nil {
			cancel()
		}
		if raw != nil {
			raw.Close()
		}
		<-done
	}
}
