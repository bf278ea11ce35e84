package feed

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// apiKeyProtocolPrefix is the Sec-WebSocket-Protocol form of the API key: api-key.KEY.
const apiKeyProtocolPrefix = "api-key."

// handleWS is GET /ws/system.
func (s *Server) handleWS(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		writeJSONError(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
		return
	}
	defer s.handlers.Done()
	if !s.requestAllowed(w, r) {
		return
	}
	// The cap counts this socket from here to the end of the handler, refused or not.
	n := s.conns.Add(1)
	defer s.conns.Add(-1)
	ip := s.clientIP(r)
	proto := offeredKeyProtocol(r)
	key := wsKey(r, proto)
	keyOK := s.keyOK(key)
	if !s.upgradeAllowed(w, r, ip, n, keyOK) {
		return
	}
	c := &client{s: s, ip: ip, closeDone: make(chan struct{})}
	conn, err := websocket.Accept(w, r, c.acceptOptions(proto))
	if err != nil {
		s.log.Debug("feed: WebSocket handshake failed", "remote", ip, "url", s.logURL(r), "err", err)
		return
	}
	raw, _ := r.Context().Value(rawConnKey{}).(net.Conn)
	if reason, code, refused := s.socketRefusal(r, ip, n, key, keyOK); refused {
		s.closeBounded(conn, raw, code, reason, nil)
		return
	}
	s.serveClient(c, conn, raw)
}

// requestAllowed checks the request's host and origin before anything else, answering
// a refusal itself.
func (s *Server) requestAllowed(w http.ResponseWriter, r *http.Request) bool {
	if !s.hostAllowed(r) {
		s.refuseHost(w, r)
		return false
	}
	if !s.originAllowed(r) {
		s.stats.rejectedOrigin.Add(1)
		s.log.Info("feed: WebSocket origin refused", "remote", s.clientIP(r), "origin", r.Header.Get("Origin"), "host", r.Host)
		writeJSONError(w, http.StatusForbidden, "origin_not_allowed",
			"this page's origin may not read the feed; add it to serve.allowed_origins")
		return false
	}
	return true
}

// upgradeAllowed refuses, without upgrading, what is too costly to close politely: the
// n-th open socket past twice the cap, and a client whose failed-key allowance is spent
// (it was told why with 1008 until then).
func (s *Server) upgradeAllowed(w http.ResponseWriter, r *http.Request, ip string, n int64, keyOK bool) bool {
	if n > int64(2*s.maxConns) {
		s.refuseOverCap(ip, n)
		w.Header().Set("Retry-After", "10")
		writeJSONError(w, http.StatusServiceUnavailable, "too_many_connections",
			"the feed has as many connections open as serve.max_connections allows; try again later")
		return false
	}
	if s.hasKey && !keyOK && s.authFailures.spent(ip, s.clk.Now()) {
		s.stats.rejectedAuth.Add(1)
		s.logAuthFailure(ip, r, "limited")
		w.Header().Set("Retry-After", "60")
		writeJSONError(w, http.StatusTooManyRequests, "rate_limited",
			"too many WebSocket attempts without a valid API key; wait a minute")
		return false
	}
	return true
}

// acceptOptions are the handshake's options for c; proto is the api-key.* subprotocol
// the client offered, if any.
func (c *client) acceptOptions(proto string) *websocket.AcceptOptions {
	// Protocol-level pings and pongs are client frames too: they keep the socket from
	// idling out (browsers send none; other clients may).
	opts := &websocket.AcceptOptions{
		// The origin was checked before, with hsi-top's own rule (same host name, any
		// port, or an allowed origin).
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
		OnPingReceived:     func(context.Context, []byte) bool { c.touch(); return true },
		OnPongReceived:     func(context.Context, []byte) { c.touch() },
	}
	if proto != "" {
		// Echo the api-key.* entry whatever its key, so that a browser completes the
		// handshake and sees the 1008 of a wrong key.
		opts.Subprotocols = []string{proto}
	}
	return opts
}

// touch records a frame from the client (the idle timeout counts from the last one).
func (c *client) touch() { c.lastRead.Store(c.s.clk.Now().UnixNano()) }

// socketRefusal says why an upgraded socket is closed at once (past the cap, over the
// per-IP rate, a missing or wrong key), with its close code; refused is false to serve it.
func (s *Server) socketRefusal(r *http.Request, ip string, n int64, key string, keyOK bool) (reason string, code websocket.StatusCode, refused bool) {
	if n > int64(s.maxConns) {
		s.refuseOverCap(ip, n)
		return "Too many connections", websocket.StatusTryAgainLater, true
	}
	if !s.limiter.allow(ip, s.clk.Now()) {
		s.stats.rejectedRate.Add(1)
		s.log.Warn("feed: connection rate limit exceeded, closing with 1008", "remote", ip,
			"limit_per_minute", s.cfg.RateLimitPerMinute)
		return "Rate limit exceeded", websocket.StatusPolicyViolation, true
	}
	if s.hasKey && !keyOK {
		s.authFailures.allow(ip, s.clk.Now())
		s.stats.rejectedAuth.Add(1)
		reason = "Invalid API key"
		if key == "" {
			reason = "API key required"
		}
		s.logAuthFailure(ip, r, reason)
		return reason, websocket.StatusPolicyViolation, true
	}
	return "", 0, false
}

// serveClient registers an accepted socket with the hub and runs its read and write
// loops until either ends, then releases it.
func (s *Server) serveClient(c *client, conn *websocket.Conn, raw net.Conn) {
	conn.SetReadLimit(MaxClientFrame)
	ctx, cancel := context.WithCancel(s.baseCtx)
	c.conn, c.raw = conn, raw
	c.queue = make(chan []byte, s.queueSize)
	c.ctx, c.cancel = ctx, cancel
	c.touch()
	if !s.hub.register(c, s.currentFrames().status) {
		cancel()
		s.closeBounded(conn, raw, websocket.StatusGoingAway, "server shutting down", nil)
		return
	}
	s.stats.accepted.Add(1)
	s.log.Debug("feed: client connected", "remote", c.ip, "clients", s.hub.count())

	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer cancel()
		if err := c.readLoop(); errors.Is(err, websocket.ErrMessageTooBig) {
			// The library has sent 1009; finish the handshake (reading and discarding
			// the rest of the frame) so the peer gets the close frame, not a reset.
			s.log.Info("feed: client frame over the limit, closed with 1009", "remote", c.ip, "limit_bytes", MaxClientFrame)
			c.startClose(websocket.StatusMessageTooBig, "Message too big")
			<-c.closeDone
		}
	}()
	c.writeLoop()
	cancel()
	<-readDone
	s.hub.unregister(c)
	if c.closing.Load() {
		<-c.closeDone
	}
	if !c.closing.Load() {
		// The peer went away or was dropped: release the connection now.
		conn.CloseNow()
	}
	s.log.Debug("feed: client disconnected", "remote", c.ip)
}

// refuseOverCap counts and logs (at most once a minute) a socket past the cap.
func (s *Server) refuseOverCap(ip string, open int64) {
	s.stats.rejectedCap.Add(1)
	if logIt, more := s.authLog.note("cap", s.clk.Now()); logIt {
		s.log.Warn("feed: too many WebSocket connections, refusing with 1013", "remote", ip,
			"open", open, "max_connections", s.maxConns, "refused_since_last_line", more)
	}
}

// logAuthFailure logs a socket without a valid key: the first from an address with
// the reason and the fix, then one line a minute with the count of the attempts since,
// so that a page retrying twice a second is visible without flooding the log.
func (s *Server) logAuthFailure(ip string, r *http.Request, reason string) {
	logIt, more := s.authLog.note("auth "+ip, s.clk.Now())
	if !logIt {
		return
	}
	s.log.Warn("feed: WebSocket without a valid API key refused (the page cannot send a key: "+
		"have its nginx add it with proxy_set_header X-API-Key, or serve on loopback without one)",
		"remote", ip, "reason", reason, "url", s.logURL(r), "refused_since_last_line", more)
}

// writeLoop sends queued frames until the client ends.
func (c *client) writeLoop() {
	for {
		select {
		case <-c.ctx.Done():
			return
		case f := <-c.queue:
			if err := c.conn.Write(c.ctx, websocket.MessageText, f); err != nil {
				return
			}
		}
	}
}

// readLoop reads client frames: every frame resets the idle clock; pings get a pong,
// pong/subscribe/unsubscribe are ignored, anything else gets an error frame. It
// returns the error that ended the connection (ErrMessageTooBig for a frame over
// MaxClientFrame, after which the websocket library has sent 1009).
func (c *client) readLoop() error {
	for {
		_, msg, err := c.conn.Read(c.ctx)
		if err != nil {
			return err
		}
		c.touch()
		if reply := handleClientMessage(msg); reply != nil && !c.offer(reply) {
			c.s.hub.unregister(c)
			c.s.hub.dropSlow(c)
			return errSlowClient
		}
	}
}

var errSlowClient = errors.New("client too slow")

// Error kinds of the error frame (contract.md §3).
const (
	errInvalidJSON          = "invalid_json"
	errInvalidFormat        = "invalid_message_format"
	errUnknownMessageType   = "unknown_message_type"
	maxEchoedMessageTypeLen = 64
)

// handleClientMessage returns the reply to one client frame, or nil for none.
func handleClientMessage(msg []byte) []byte {
	trimmed := bytes.TrimSpace(msg)
	if string(trimmed) == "ping" {
		return pongFrame
	}
	if !json.Valid(trimmed) {
		return errorFrame(errInvalidJSON, "message is not valid JSON")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return errorFrame(errInvalidFormat, "message must be a JSON object with a string \"type\"")
	}
	var typ string
	raw, ok := m["type"]
	if !ok || len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &typ) != nil {
		return errorFrame(errInvalidFormat, "message must be a JSON object with a string \"type\"")
	}
	switch typ {
	case "ping":
		return pongFrame
	case "pong", "subscribe", "unsubscribe":
		return nil
	}
	if len(typ) > maxEchoedMessageTypeLen || !utf8.ValidString(typ) {
		return errorFrame(errUnknownMessageType, "unknown message type; expected ping, pong, subscribe or unsubscribe")
	}
	return errorFrame(errUnknownMessageType, "unknown message type \""+typ+"\"; expected ping, pong, subscribe or unsubscribe")
}

// errorFrame encodes the feed's error frame.
func errorFrame(kind, message string) []byte {
	b, err := json.Marshal(struct {
		Type    string `json:"type"`
		Error   string `json:"error"`
		Message string `json:"message"`
	}{"error", kind, message})
	if err != nil { // cannot happen for strings; keep a valid frame anyway
		return []byte(`{"type":"error","error":"` + kind + `","message":""}`)
	}
	return b
}

// offeredKeyProtocol returns the first api-key.* entry of Sec-WebSocket-Protocol, or "".
func offeredKeyProtocol(r *http.Request) string {
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if strings.HasPrefix(strings.ToLower(p), apiKeyProtocolPrefix) {
				return p
			}
		}
	}
	return ""
}
