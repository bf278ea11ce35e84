//go:build linux

package rawio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pair returns a wrapped client connection and the server's end of it.
func pair(t *testing.T, network, addr string) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	c, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	w := Wrap(c)
	t.Cleanup(func() { w.Close(); s.Close() })
	return w, s
}

// A wrapped TCP connection carries bytes both ways, a write larger than the socket's
// buffers whole (it waits while the buffer is full), and reads io.EOF when the peer closes.
func TestTCPRoundTrip(t *testing.T) {
	c, s := pair(t, "tcp", "127.0.0.1:0")
	if _, raw := c.(*conn); !raw {
		t.Fatalf("Wrap returned %T, want the raw connection", c)
	}
	if n, err := c.Write([]byte("ping")); n != 4 || err != nil {
		t.Fatalf("write: %d %v", n, err)
	}
	buf := make([]byte, 16)
	if n, err := io.ReadFull(s, buf[:4]); n != 4 || err != nil || string(buf[:4]) != "ping" {
		t.Fatalf("server read %q %v", buf[:n], err)
	}
	if _, err := s.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	if n, err := io.ReadFull(c, buf[:4]); n != 4 || err != nil || string(buf[:4]) != "pong" {
		t.Fatalf("client read %q %v", buf[:n], err)
	}
	if n, err := c.Read(nil); n != 0 || err != nil {
		t.Errorf("empty read: %d %v", n, err)
	}

	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB: past any socket buffer
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(s, int64(len(big))))
		got <- b
	}()
	if n, err := c.Write(big); n != len(big) || err != nil {
		t.Fatalf("big write: %d of %d, %v", n, len(big), err)
	}
	if b := <-got; !bytes.Equal(b, big) {
		t.Fatalf("server got %d bytes, not the %d written", len(b), len(big))
	}

	s.Close()
	if n, err := c.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("read after the peer closed: %d %v, want io.EOF", n, err)
	}
}

// A read past its deadline fails as the net package's does: a timeout, and
// os.ErrDeadlineExceeded; the connection reads again once the deadline is cleared.
func TestDeadline(t *testing.T) {
	c, s := pair(t, "tcp", "127.0.0.1:0")
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := c.Read(make([]byte, 8))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "read" || op.Net != "tcp" {
		t.Errorf("error %#v is not a read *net.OpError", err)
	}
	c.SetReadDeadline(time.Time{})
	s.Write([]byte("x"))
	if n, err := c.Read(make([]byte, 8)); n != 1 || err != nil {
		t.Errorf("read after clearing the deadline: %d %v", n, err)
	}
}

// Closing the connection ends a read blocked on it with net.ErrClosed, and later reads
// and writes fail the same way.
func TestClose(t *testing.T) {
	c, _ := pair(t, "tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 8))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("blocked read after Close: %v, want net.ErrClosed", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %v, want net.ErrClosed", err)
	}
}

// A write to a peer that is gone fails with the system's error, not a hang or a signal.
func TestWriteToClosedPeer(t *testing.T) {
	c, s := pair(t, "tcp", "127.0.0.1:0")
	s.(*net.TCPConn).SetLinger(0) // the peer resets the connection
	s.Close()
	time.Sleep(20 * time.Millisecond)
	var err error
	for range 100 {
		if _, err = c.Write([]byte("data")); err != nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	var op *net.OpError
	if err == nil || !errors.As(err, &op) || op.Op != "write" {
		t.Errorf("writes to a reset connection: %v, want a write *net.OpError", err)
	}
}

// Unix sockets are wrapped too (the Docker Engine socket); a connection that is not a
// socket of this process comes back as it was.
func TestUnixAndOthers(t *testing.T) {
	c, s := pair(t, "unix", filepath.Join(t.TempDir(), "s"))
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("unix read %q %v", buf, err)
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if w := Wrap(a); w != a {
		t.Errorf("Wrap of a net.Pipe end returned %T, want it unchanged", w)
	}
}

// Dialer wraps what dial connects and passes its errors on.
func TestDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	var d net.Dialer
	c, err := Dialer(d.DialContext)(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, raw := c.(*conn); !raw {
		t.Errorf("Dialer's connection is %T, want the raw one", c)
	}
	refused := errors.New("refused")
	if _, err := Dialer(func(context.Context, string, string) (net.Conn, error) { return nil, refused })(t.Context(), "tcp", "x"); err != refused {
		t.Errorf("dial error %v, want it passed on", err)
	}
}

// A datagram socket is not wrapped: for it a read of nothing is not the end.
func TestDatagramNotWrapped(t *testing.T) {
	u, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if w := Wrap(u); w != net.Conn(u) {
		t.Errorf("Wrap of a UDP socket returned %T", w)
	}
	path := filepath.Join(t.TempDir(), "g")
	g, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if w := Wrap(g); w != net.Conn(g) {
		t.Errorf("Wrap of a unixgram socket returned %T", w)
	}
}

// Listener wraps what a server accepts: an HTTP server on it answers requests over one
// kept-alive connection, and its CloseWrite ends the peer's reading.
func TestListenerServesHTTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok "+r.URL.Path) }),
		ConnState: func(c net.Conn, s http.ConnState) {
			if s == http.StateNew {
				kinds = append(kinds, fmt.Sprintf("%T", c))
			}
		},
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(Listener(ln)) }()
	client := &http.Client{Transport: &http.Transport{}}
	for _, path := range []string{"/a", "/b"} {
		resp, err := client.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "ok "+path {
			t.Fatalf("GET %s: %q %v", path, body, err)
		}
	}
	client.CloseIdleConnections()
	if err := srv.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != http.ErrServerClosed {
		t.Fatalf("Serve returned %v", err)
	}
	if len(kinds) != 1 || kinds[0] != "*rawio.conn" {
		t.Errorf("accepted connections %v, want one *rawio.conn kept alive", kinds)
	}

	c, s := pair(t, "tcp", "127.0.0.1:0")
	if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("peer read %d, %v after CloseWrite, want io.EOF", n, err)
	}
}
