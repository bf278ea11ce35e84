package collector

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// connTransport is the http.RoundTripper of the HTTP sources for plain-HTTP services: it
// writes each request and reads its response on the calling goroutine, over connections
// it keeps alive per host. net/http's Transport runs two goroutines per connection, hands
// every request and response between them and reads once more after each response to
// wait for the next; without them a tick of the full stack costs 13 % less CPU
// (BenchmarkTickAllSources). The messages are still written and parsed by net/http
// (Request.Write, ReadResponse), with the standard transport's guards: a bounded response
// head and at most a few informational answers. HTTPS, and any method but GET, go to the
// standard transport.
type connTransport struct {
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	fallback http.RoundTripper
	maxIdle  int           // idle connections kept per host
	idleFor  time.Duration // an idle connection older than this is closed, not reused

	mu   sync.Mutex
	idle map[string][]*keptConn
}

// keptConn is one connection with its buffers.
type keptConn struct {
	conn      net.Conn
	lim       *limitedReader // under br: bounds the response head
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
}

func newKeptConn(conn net.Conn) *keptConn {
	lim := &limitedReader{r: conn}
	return &keptConn{conn: conn, lim: lim, br: bufio.NewReaderSize(lim, connReadBuffer), bw: bufio.NewWriterSize(conn, connWriteBuffer)}
}

// MaxHeaderBytes is the most a response's status line and headers may take: a service
// that sends an endless header is cut off, not buffered (net/http's transport has the
// same guard).
const MaxHeaderBytes = 1 << 20

// ErrHeaderTooLarge is the error of a response whose head exceeds MaxHeaderBytes.
var ErrHeaderTooLarge = fmt.Errorf("response header larger than %d KiB", MaxHeaderBytes>>10)

// maxInformational is how many informational answers (1xx) may come before the real one.
const maxInformational = 5

// limitedReader reads from r until n bytes are used up, then fails with
// ErrHeaderTooLarge; n < 0 is no limit (the body has limits of its own).
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(p)
	}
	if l.n == 0 {
		return 0, ErrHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// Buffer sizes of a kept connection: requests are a few hundred bytes, and most responses
// fit the read buffer whole.
const (
	connReadBuffer  = 8 << 10
	connWriteBuffer = 1 << 10
)

// longAgo is a deadline in the past: setting it makes a blocked read or write return.
var longAgo = time.Unix(1, 0)

func newConnTransport(dial func(ctx context.Context, network, addr string) (net.Conn, error), fallback http.RoundTripper, maxIdle int, idleFor time.Duration) *connTransport {
	return &connTransport{dial: dial, fallback: fallback, maxIdle: maxIdle, idleFor: idleFor, idle: map[string][]*keptConn{}}
}

// RoundTrip sends req and returns its response; the response's body must be closed, which
// keeps the connection for the next request when the body was read to its end. A request
// that fails on a kept connection before its response (the service closed the connection
// while it was idle, or went away) is sent once more on a new one.
func (t *connTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || req.Method != http.MethodGet {
		return t.fallback.RoundTrip(req)
	}
	deadline, _ := req.Context().Deadline()
	resp, err := t.do(req.Context(), deadline, hostPort(req.URL.Host), req.Close, func(w *bufio.Writer) error { return req.Write(w) })
	if err != nil {
		return nil, err
	}
	resp.Request = req
	return resp, nil
}

// Get sends GET target (a path and query, as a request line carries it) to host (with
// the port the connection goes to: HTTP's 80 when it names none) with hdr and User-Agent
// hsi-top, written straight to a kept connection instead of through an http.Request;
// deadline (or ctx's, when sooner) bounds the exchange and the body's reading, and ctx
// cancels it. The response is as RoundTrip's, redirects included: the caller follows
// them.
func (t *connTransport) Get(ctx context.Context, deadline time.Time, host, target string, hdr http.Header) (*http.Response, error) {
	if err := checkHeader(hdr); err != nil {
		return nil, err
	}
	write := func(bw *bufio.Writer) error { return writeGet(bw, host, target, hdr) }
	return t.do(ctx, sooner(ctx, deadline), hostPort(host), false, write)
}

// sooner is deadline, or ctx's deadline when that comes first.
func sooner(ctx context.Context, deadline time.Time) time.Time {
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		return d
	}
	return deadline
}

// checkHeader says which of hdr's headers may not be written as it is (validHeader).
func checkHeader(hdr http.Header) error {
	for k, vs := range hdr {
		for _, v := range vs {
			if !validHeader(k, v) {
				return fmt.Errorf("invalid header %q", k)
			}
		}
	}
	return nil
}

// writeGet writes the head of GET target to host with hdr (checked by the caller).
func writeGet(bw *bufio.Writer, host, target string, hdr http.Header) error {
	bw.WriteString("GET ")
	bw.WriteString(target)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\nUser-Agent: hsi-top\r\n")
	for k, vs := range hdr {
		for _, v := range vs {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	_, err := bw.WriteString("\r\n")
	return err
}

// errNotAnswered is a pipelined request's error when the connection ended before its
// answer: the caller asks it again on its own.
var errNotAnswered = errors.New("not answered on the pipelined connection")

// GetAll sends GET of every target to host with hdr at once on one kept connection
// (HTTP/1.1 pipelining) and reads the answers in order, handing each to read, which must
// read its body to the end for the next to be read. It is for services that answer
// pipelined requests, as HTTP/1.1 asks of them (Go's net/http server, which the Docker
// and Podman Engine APIs use, and uvicorn, the backend's): one write and one wake-up of
// the service for the lot instead of one each; pipelining (ask) falls back to one
// request per connection for a service that does not. errs[i] is target i's
// failure, errNotAnswered (wrapping the cause) when an earlier answer came but this one
// did not: the service closed the connection, one answer could not be read to its end,
// or none came before the deadline. Deadline and ctx bound the whole exchange, as Get's
// do one request's.
func (t *connTransport) GetAll(ctx context.Context, deadline time.Time, host string, targets []string, hdr http.Header, read func(i int, resp *http.Response) error) (errs []error) {
	errs = make([]error, len(targets))
	if err := checkHeader(hdr); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	deadline = sooner(ctx, deadline)
	addr := hostPort(host)
	for attempt := 0; ; attempt++ {
		kc, reused, err := t.connFor(ctx, addr, attempt)
		if err != nil {
			for i := range errs {
				errs[i] = err
			}
			return errs
		}
		answered, err := t.pipeline(ctx, deadline, kc, addr, host, targets, hdr, read, errs)
		if err == nil {
			return errs
		}
		kc.conn.Close()
		// A kept connection the service closed while it was idle answers nothing: once
		// more on a new one.
		if answered == 0 && reused && ctx.Err() == nil && !isTimeout(err) {
			continue
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		// After an answer, what went wrong is the pipelining (a service that drops the
		// requests queued behind the first waits for more, until the deadline).
		if answered > 0 && !errors.Is(err, errNotAnswered) {
			err = fmt.Errorf("%w: %w", errNotAnswered, err)
		}
		for i := answered; i < len(errs); i++ {
			errs[i] = err
		}
		return errs
	}
}

// pipeline writes every request on kc and reads the answers; it keeps kc for the next
// exchange when every answer was read to its end. It returns how many answers were read
// and, when it stopped early, why.
func (t *connTransport) pipeline(ctx context.Context, deadline time.Time, kc *keptConn, addr, host string, targets []string, hdr http.Header, read func(int, *http.Response) error, errs []error) (int, error) {
	if err := kc.conn.SetDeadline(deadline); err != nil {
		return 0, err
	}
	stop := context.AfterFunc(ctx, func() { kc.conn.SetDeadline(longAgo) })
	defer stop()
	for _, target := range targets { // one write for all of them: Flush below
		if err := writeGet(kc.bw, host, target, hdr); err != nil {
			return 0, err
		}
	}
	if err := kc.bw.Flush(); err != nil {
		return 0, err
	}
	closing := false
	for i := range targets {
		if closing {
			return i, errNotAnswered // the service said it closes the connection
		}
		resp, err := kc.readHead()
		if err != nil {
			return i, err
		}
		errs[i] = read(i, resp)
		// The next answer starts where this one's body ends: read what read left.
		if n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, pipelineDrain+1)); err != nil || n > pipelineDrain {
			return i + 1, errNotAnswered
		}
		resp.Body.Close()
		closing = resp.Close
	}
	// A context done while the answers were read may have set the deadline.
	t.giveBack(addr, kc, stop(), !closing)
	return len(targets), nil
}

// pipelineDrain is the most of an answer GetAll reads past what its reader took (a body
// over the reader's limit) to reach the next answer; beyond it the rest are asked anew.
const pipelineDrain = 64 << 10

// validHeader says whether a header may be written as it is: a token name and a value
// without control characters (which could end the header and start another).
func validHeader(k, v string) bool {
	if k == "" || strings.EqualFold(k, "Host") || strings.EqualFold(k, "User-Agent") {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// do writes a request (write) to addr over a kept or new connection and reads the
// response's head, within deadline (none when zero) and until ctx is done.
func (t *connTransport) do(ctx context.Context, deadline time.Time, addr string, close bool, write func(*bufio.Writer) error) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		kc, reused, err := t.connFor(ctx, addr, attempt)
		if err != nil {
			return nil, err
		}
		resp, err := t.exchange(ctx, deadline, kc, addr, close, write)
		if err == nil {
			return resp, nil
		}
		kc.conn.Close()
		if !reused || attempt > 0 || ctx.Err() != nil || isTimeout(err) {
			return nil, err
		}
	}
}

// connFor is a connection to addr for an exchange's attempt: a kept one when one is idle
// on the first attempt (reused), else a new one; a second attempt dials, as the other
// idle ones may be as dead as the first.
func (t *connTransport) connFor(ctx context.Context, addr string, attempt int) (kc *keptConn, reused bool, err error) {
	if attempt == 0 {
		if kc, reused = t.take(addr); kc != nil {
			return kc, reused, nil
		}
	}
	conn, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	return newKeptConn(conn), false, nil
}

// giveBack ends an exchange on kc: the connection is kept for the next one when the
// context's watch was stopped before it fired (stopped), its answer was read to the end
// and may be followed by another (reusable), and its deadline is cleared (an armed one is
// a runtime timer that would wake the process when it passes, long after the request);
// else it is closed.
func (t *connTransport) giveBack(addr string, kc *keptConn, stopped, reusable bool) error {
	if stopped && reusable && kc.conn.SetDeadline(time.Time{}) == nil {
		t.keep(addr, kc)
		return nil
	}
	return kc.conn.Close()
}

// exchange writes a request on kc and reads the response's head; the body is read by
// the caller.
func (t *connTransport) exchange(ctx context.Context, deadline time.Time, kc *keptConn, addr string, close bool, write func(*bufio.Writer) error) (*http.Response, error) {
	if err := kc.conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	// A canceled context ends a blocked read or write at once.
	stop := context.AfterFunc(ctx, func() { kc.conn.SetDeadline(longAgo) })
	resp, err := t.send(kc, write)
	if err != nil {
		stop()
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	resp.Body = &keptBody{body: resp.Body, t: t, kc: kc, addr: addr, stop: stop, reusable: !resp.Close && !close}
	return resp, nil
}

func (t *connTransport) send(kc *keptConn, write func(*bufio.Writer) error) (*http.Response, error) {
	if err := write(kc.bw); err != nil {
		return nil, err
	}
	if err := kc.bw.Flush(); err != nil {
		return nil, err
	}
	return kc.readHead()
}

// readHead reads the next response's head on kc (after any informational answers); its
// body is read from the returned response.
func (kc *keptConn) readHead() (*http.Response, error) {
	// What the buffer already holds was read under the last response's limits.
	kc.lim.n = MaxHeaderBytes - int64(kc.br.Buffered())
	defer func() { kc.lim.n = -1 }()
	for range maxInformational + 1 {
		resp, err := http.ReadResponse(kc.br, nil) // a GET's: the body is as the head says
		if err != nil {
			return nil, err
		}
		// An informational answer (103 Early Hints) comes before the real one.
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			continue
		}
		return resp, nil
	}
	return nil, fmt.Errorf("more than %d informational responses", maxInformational)
}

// take returns a kept connection to addr, if one is idle and fresh enough.
func (t *connTransport) take(addr string) (*keptConn, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	conns := t.idle[addr]
	for len(conns) > 0 {
		kc := conns[len(conns)-1]
		conns[len(conns)-1] = nil
		conns = conns[:len(conns)-1]
		t.idle[addr] = conns
		if time.Since(kc.idleSince) < t.idleFor {
			return kc, true
		}
		kc.conn.Close()
	}
	return nil, false
}

// keep puts kc back for the next request to addr, or closes it when enough are idle.
func (t *connTransport) keep(addr string, kc *keptConn) {
	kc.idleSince = time.Now()
	t.mu.Lock()
	if len(t.idle[addr]) < t.maxIdle {
		t.idle[addr] = append(t.idle[addr], kc)
		kc = nil
	}
	t.mu.Unlock()
	if kc != nil {
		kc.conn.Close()
	}
}

// CloseIdleConnections closes every idle connection (http.Client.CloseIdleConnections
// calls it).
func (t *connTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = map[string][]*keptConn{}
	t.mu.Unlock()
	for _, conns := range idle {
		for _, kc := range conns {
			kc.conn.Close()
		}
	}
	if c, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// keptBody is a response body that gives its connection back when it was read to the end.
type keptBody struct {
	body     io.ReadCloser
	t        *connTransport
	kc       *keptConn
	addr     string
	stop     func() bool
	reusable bool
	eof      bool
	closed   bool
}

func (b *keptBody) Read(p []byte) (int, error) {
	if b.closed {
		return 0, errors.New("read on a closed response body")
	}
	n, err := b.body.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

// Close ends the response. A body read to its last byte but not to EOF (a read of exactly
// Content-Length bytes) is at its end when one more read says so without blocking.
func (b *keptBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if !b.eof && b.reusable {
		var one [1]byte
		if n, err := b.body.Read(one[:]); n == 0 && err == io.EOF {
			b.eof = true
		}
	}
	b.body.Close()
	// A context done while the body was read may have set the connection's deadline.
	return b.t.giveBack(b.addr, b.kc, b.stop(), b.eof && b.reusable)
}

// hostPort is a URL host with the port HTTP implies when it names none.
func hostPort(host string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	// A bracketed IPv6 literal without a port.
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return net.JoinHostPort(host, "80")
}

// isTimeout says whether err is a deadline that passed.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
