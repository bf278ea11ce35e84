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
		errs := tr.GetAll(context.Background(), time.Now().Add(2*time.Second), host, targets, readAll(got))
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
// closes it; without, it reads nothing more and waits, as a server that drops the
// requests queued behind the first (cpp-httplib) does.
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
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				body := strings.TrimPrefix(req.URL.Path, "/")
				fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
				if !hangUp {
					io.Copy(io.Discard, conn) // until the client closes
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
		errs := tr.GetAll(context.Background(), time.Now().Add(300*time.Millisecond), host, []string{"/one", "/two", "/three"}, readAll(got))
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
		if !c.noPipelining.Load() {
			t.Errorf("round %d: still pipelining to an engine that hung up after one answer", round)
		}
	}
	// Round 1: one pipelined connection (answered once) and two more; round 2: three.
	if n := accepted.Load(); n != 6 {
		t.Errorf("%d connections, want 6", n)
	}
}
