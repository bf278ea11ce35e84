package collector

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pipelineTransport is a connTransport over plain TCP, as the Engine API's is over its socket.
func pipelineTransport() *connTransport {
	d := &net.Dialer{}
	return newConnTransport(d.DialContext, http.DefaultTransport, 4, 30*time.Second)
}

// readAll is a GetAll reader that keeps each answer's status and body.
func readAll(got []string) func(int, *http.Response) error {
	return func(i int, resp *http.Response) error {
		b, err := io.ReadAll(resp.Body)
		got[i] = fmt.Sprintf("%d %s", resp.StatusCode, b)
		return err
	}
}

// GetAll writes every request at once on one connection and reads the answers in order;
// the connection is kept for the next exchange.
func TestGetAllPipelinesOnOneConnection(t *testing.T) {
	var mu sync.Mutex
	var order []string
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, r.URL.RequestURI())
		mu.Unlock()
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, strings.Repeat(r.URL.Path[1:], 3))
	})
	tr := pipelineTransport()
	defer tr.CloseIdleConnections()
	host := strings.TrimPrefix(srv.URL, "http://")
	targets := []string{"/a", "/b?x=1", "/missing", "/c"}
	for round := range 2 {
		got := make([]string, len(targets))
		errs := tr.GetAll(context.Background(), time.Now().Add(2*time.Second), host, targets, nil, readAll(got))
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %s: %v", round, targets[i], err)
			}
		}
		if want := []string{"200 aaa", "200 bbb", "404 404 page not found\n", "200 ccc"}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("round %d: answers %q, want %q", round, got, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for two pipelined rounds, want 1", n)
	}
	if want := "[/a /b?x=1 /missing /c /a /b?x=1 /missing /c]"; fmt.Sprint(order) != want {
		t.Errorf("the server saw %v, want %s", order, want)
	}
}

// pipelineRefuser answers the first request of each connection and then, with hangUp,
// closes it; without, it answers one request per read and drops whatever else the read
// brought, as cpp-httplib does: requests queued behind the first are never answered,
// and the connection waits for the next.
func pipelineRefuser(t *testing.T, hangUp bool) (host string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = &atomic.Int64{}
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait) // after the close below: cleanups run last first
	t.Cleanup(func() { ln.Close() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			wg.Go(func() {
				defer conn.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := conn.Read(buf)
					if err != nil {
						return
					}
					req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(buf[:n])))
					if err != nil {
						return
					}
					body := strings.TrimPrefix(req.URL.Path, "/")
					fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
					if hangUp {
						return
					}
				}
			})
		}
	})
	return ln.Addr().String(), accepted
}

// A service that closes the connection after its first answer, or sits on the requests
// behind it until the deadline, leaves those requests errNotAnswered; the first answer
// is kept either way.
func TestGetAllMarksWhatWasNotAnswered(t *testing.T) {
	for _, hangUp := range []bool{true, false} {
		host, _ := pipelineRefuser(t, hangUp)
		tr := pipelineTransport()
		got := make([]string, 3)
		errs := tr.GetAll(context.Background(), time.Now().Add(300*time.Millisecond), host, []string{"/one", "/two", "/three"}, nil, readAll(got))
		if errs[0] != nil || got[0] != "200 one" {
			t.Errorf("hang up %v: first answer %q, %v", hangUp, got[0], errs[0])
		}
		for i := 1; i < 3; i++ {
			if !errors.Is(errs[i], errNotAnswered) {
				t.Errorf("hang up %v: request %d: %v, want errNotAnswered", hangUp, i, errs[i])
			}
		}
		tr.CloseIdleConnections()
	}
}

// The Engine API client asks what a pipelined connection left unanswered again, one
// request per connection, and pipelines no more to that engine.
func TestEngineClientFallsBackFromPipelining(t *testing.T) {
	host, accepted := pipelineRefuser(t, true)
	d := &net.Dialer{}
	c := &engineClient{transport: newConnTransport(func(ctx context.Context, _, _ string) (net.Conn, error) {
		return d.DialContext(ctx, "tcp", host)
	}, getOnly{}, engineConns, 30*time.Second), timeout: time.Second}
	defer c.transport.CloseIdleConnections()
	paths := []string{"/1", "/2", "/3"}
	for round := range 2 {
		got := make([]int, len(paths))
		errs := c.getAll(context.Background(), paths, func(i int) any { return &got[i] })
		for i, err := range errs {
			if err != nil || got[i] != i+1 {
				t.Errorf("round %d: %s: %d, %v", round, paths[i], got[i], err)
			}
		}
		if !c.pipelining.off.Load() {
			t.Errorf("round %d: still pipelining to an engine that hung up after one answer", round)
		}
	}
	// Round 1: one pipelined connection (answered once) and two more; round 2: three.
	if n := accepted.Load(); n != 6 {
		t.Errorf("%d connections, want 6", n)
	}
}

// HTTPClient.GetAll pipelines a service's URLs on one kept connection with the same
// headers on each request, reads a 503's body like any other, and keeps the connection
// for the next round.
func TestHTTPClientGetAllPipelinesWithHeaders(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.Header.Get("X-Api-Key"))
		mu.Unlock()
		if r.URL.Path == "/ready" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		io.WriteString(w, r.URL.Path[1:])
	})
	c := NewHTTPClient(2 * time.Second)
	defer c.CloseIdle()
	urls := []string{srv.URL + "/stats", srv.URL + "/ready", srv.URL + "/telemetry"}
	for round := range 2 {
		resps, errs := c.GetAll(context.Background(), urls, http.Header{"X-Api-Key": {"k-1"}})
		var got []string
		for i := range urls {
			if errs[i] != nil {
				t.Fatalf("round %d: %s: %v", round, urls[i], errs[i])
			}
			got = append(got, fmt.Sprintf("%d %s", resps[i].Status, resps[i].Body))
		}
		if want := "[200 stats 503 ready 200 telemetry]"; fmt.Sprint(got) != want {
			t.Errorf("round %d: %v, want %s", round, got, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for two rounds, want 1 (pipelined)", n)
	}
	if c.pipelining.off.Load() {
		t.Error("pipelining turned off against a server that answers pipelined requests")
	}
	want := "[/stats k-1 /ready k-1 /telemetry k-1 /stats k-1 /ready k-1 /telemetry k-1]"
	if fmt.Sprint(seen) != want {
		t.Errorf("the server saw %v, want %s", seen, want)
	}
}

// A pipelined answer that redirects is asked again and followed; a body over
// MaxBodyBytes is ErrBodyTooLarge for that URL alone, and the others are still answered.
func TestHTTPClientGetAllRedirectAndTooLarge(t *testing.T) {
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/new", http.StatusFound)
		case "/huge":
			w.Write(make([]byte, MaxBodyBytes+10))
		default:
			io.WriteString(w, r.URL.Path[1:])
		}
	})
	c := NewHTTPClient(2 * time.Second)
	defer c.CloseIdle()
	resps, errs := c.GetAll(context.Background(), []string{srv.URL + "/a", srv.URL + "/old", srv.URL + "/huge", srv.URL + "/b"}, nil)
	if errs[0] != nil || string(resps[0].Body) != "a" {
		t.Errorf("/a: %v %v", resps[0], errs[0])
	}
	if errs[1] != nil || resps[1].Status != 200 || string(resps[1].Body) != "new" {
		t.Errorf("/old: %+v %v, want the redirect followed to /new", resps[1], errs[1])
	}
	if !errors.Is(errs[2], ErrBodyTooLarge) || resps[2] != nil {
		t.Errorf("/huge: %v, want ErrBodyTooLarge", errs[2])
	}
	if errs[3] != nil || string(resps[3].Body) != "b" {
		t.Errorf("/b after the huge body: %v %v", resps[3], errs[3])
	}
}

// A service that hangs up after one answer, or sits on the requests queued behind it
// (cpp-httplib), gets those requests again one per connection, in the same call, and no
// pipelined requests after that; URLs of different hosts are asked side by side.
func TestHTTPClientGetAllFallsBack(t *testing.T) {
	for _, hangUp := range []bool{true, false} {
		host, accepted := pipelineRefuser(t, hangUp)
		c := NewHTTPClient(300 * time.Millisecond)
		urls := []string{"http://" + host + "/one", "http://" + host + "/two", "http://" + host + "/three"}
		for round := range 2 {
			resps, errs := c.GetAll(context.Background(), urls, nil)
			for i, want := range []string{"one", "two", "three"} {
				if errs[i] != nil || string(resps[i].Body) != want {
					t.Errorf("hang up %v, round %d: %s: %v %v", hangUp, round, want, resps[i], errs[i])
				}
			}
			if !c.pipelining.off.Load() {
				t.Errorf("hang up %v, round %d: still pipelining", hangUp, round)
			}
		}
		// Round 1: the pipelined connection (answered once) and two more; round 2: three
		// more after hang-ups, one more beside the two kept by a server that keeps them.
		want := int64(4)
		if hangUp {
			want = 6
		}
		if n := accepted.Load(); n != want {
			t.Errorf("hang up %v: %d connections, want %d", hangUp, n, want)
		}
		c.CloseIdle()
	}
	a, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "a") })
	b, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "b") })
	c := NewHTTPClient(time.Second)
	defer c.CloseIdle()
	resps, errs := c.GetAll(context.Background(), []string{a.URL + "/x", b.URL + "/y"}, nil)
	if errs[0] != nil || errs[1] != nil || string(resps[0].Body) != "a" || string(resps[1].Body) != "b" {
		t.Errorf("two hosts: %v %v, %v %v", resps[0], errs[0], resps[1], errs[1])
	}
	if c.pipelining.off.Load() {
		t.Error("two hosts turned pipelining off")
	}
}
