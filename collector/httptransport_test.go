package collector

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is an httptest server that counts the connections it accepted.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	var conns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// A service that closes a kept connection while it is idle gets the next request on a new
// one, without an error: the request failed before any answer, so it is sent again once.
func TestConnTransportResendsAfterAnIdleClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			// One answer per connection, as if keep-alive, then the server hangs up.
			br := bufio.NewReader(conn)
			if req, err := http.ReadRequest(br); err == nil {
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				req.Body.Close()
			}
			conn.Close()
		}
	}()
	c := NewHTTPClient(time.Second)
	defer c.CloseIdle()
	for i := range 3 {
		// Let the server's close arrive before the next request reuses the connection.
		time.Sleep(20 * time.Millisecond)
		resp, err := c.Get(context.Background(), "http://"+ln.Addr().String()+"/", nil)
		if err != nil || string(resp.Body) != "ok" {
			t.Fatalf("request %d: %+v, %v", i, resp, err)
		}
	}
	if n := accepted.Load(); n != 3 {
		t.Errorf("%d connections for 3 requests to a server that closes each, want 3", n)
	}
}

// An answer with "Connection: close", and a body its reader left unread, end their
// connection; a body read to the end keeps it.
func TestConnTransportKeepsOnlyFinishedConnections(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
		case "/big":
			w.Write(make([]byte, 64<<10))
			return
		}
		io.WriteString(w, "ok")
	})
	tr := newConnTransport((&net.Dialer{}).DialContext, http.DefaultTransport, 8, time.Minute)
	defer tr.CloseIdleConnections()
	get := func(path string, readAll bool) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if readAll {
			io.Copy(io.Discard, resp.Body)
		} else {
			resp.Body.Read(make([]byte, 10))
		}
		resp.Body.Close()
	}
	get("/", true)
	get("/", true)
	if n := conns.Load(); n != 1 {
		t.Fatalf("two finished requests used %d connections, want 1", n)
	}
	get("/close", true)
	get("/", true)
	if n := conns.Load(); n != 2 {
		t.Errorf("after Connection: close: %d connections, want 2", n)
	}
	get("/big", false) // closed with most of the body unread
	get("/", true)
	if n := conns.Load(); n != 3 {
		t.Errorf("after a body left unread: %d connections, want 3", n)
	}
}

// A canceled context ends a request blocked on a silent service at once, with the
// context's error, and the connection is not kept.
func TestConnTransportCancel(t *testing.T) {
	release := make(chan struct{})
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		io.WriteString(w, "ok")
	})
	defer close(release)
	c := NewHTTPClient(5 * time.Second)
	defer c.CloseIdle()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	begin := time.Now()
	_, err := c.Get(ctx, srv.URL+"/hang", nil)
	if err == nil || err.Error() != "canceled" {
		t.Errorf("canceled request: %v, want canceled", err)
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("the canceled request returned after %v", took)
	}
	if resp, err := c.Get(context.Background(), srv.URL+"/", nil); err != nil || string(resp.Body) != "ok" {
		t.Fatalf("after the cancel: %+v, %v", resp, err)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (the canceled one is not reused)", n)
	}
}

// An informational answer (103 Early Hints) is skipped for the real one.
func TestConnTransportSkipsInformationalAnswers(t *testing.T) {
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "real")
	})
	c := NewHTTPClient(time.Second)
	defer c.CloseIdle()
	resp, err := c.Get(context.Background(), srv.URL+"/", nil)
	if err != nil || resp.Status != 200 || string(resp.Body) != "real" {
		t.Errorf("after 103: %+v, %v", resp, err)
	}
}

// rawServer answers every connection with what answer writes, then closes it.
func rawServer(t *testing.T, answer func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
				answer(conn)
			}
			conn.Close()
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// A hostile service's endless header is cut off at MaxHeaderBytes, not buffered; an
// endless run of informational answers ends after a few.
func TestConnTransportBoundsTheHead(t *testing.T) {
	endless := rawServer(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Junk: ")
		chunk := []byte(strings.Repeat("a", 64<<10))
		for range 64 { // 4 MiB, four times the limit
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	})
	informational := rawServer(t, func(c net.Conn) {
		for range 10 {
			io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	c := NewHTTPClient(5 * time.Second)
	defer c.CloseIdle()
	if _, err := c.Get(context.Background(), endless, nil); err == nil || err.Error() != ErrHeaderTooLarge.Error() {
		t.Errorf("an endless header: %v, want %v", err, ErrHeaderTooLarge)
	}
	if _, err := c.Get(context.Background(), informational, nil); err == nil || !strings.Contains(err.Error(), "informational responses") {
		t.Errorf("ten 103s: %v, want too many informational responses", err)
	}
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// HTTPS (and any method but GET) goes to the standard transport.
func TestConnTransportHandsOtherRequestsOn(t *testing.T) {
	var handed []string
	fallback := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		handed = append(handed, r.Method+" "+r.URL.Scheme)
		return nil, errors.New("fallback")
	})
	dial := func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("dialed") }
	tr := newConnTransport(dial, fallback, 1, time.Minute)
	for _, r := range []struct{ method, url string }{{"GET", "https://example.test/"}, {"POST", "http://example.test/"}} {
		req, _ := http.NewRequest(r.method, r.url, nil)
		if _, err := tr.RoundTrip(req); err == nil || err.Error() != "fallback" {
			t.Errorf("%s %s: %v, want the fallback's error", r.method, r.url, err)
		}
	}
	if strings.Join(handed, ",") != "GET https,POST http" {
		t.Errorf("handed on: %q", handed)
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8000": "127.0.0.1:8000",
		"backend":        "backend:80",
		"[::1]":          "[::1]:80",
		"[::1]:9":        "[::1]:9",
	} {
		if got := hostPort(in); got != want {
			t.Errorf("hostPort(%q) = %q, want %q", in, got, want)
		}
	}
}
