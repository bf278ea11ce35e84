package demo

import (
	"net"
	"sync"

	"github.com/hsi-top/hsi-top/internal/rawio"
)

// tcpServer accepts connections on a loopback port and runs handle for each, one
// goroutine a connection, until close: the transport shared by the demo's small Redis and
// PostgreSQL.
type tcpServer struct {
	ln     net.Listener
	handle func(net.Conn)
	wg     sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// listenLoopback starts a tcpServer on a free 127.0.0.1 port.
func listenLoopback(handle func(net.Conn)) (*tcpServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &tcpServer{ln: rawio.Listener(ln), handle: handle, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// addr is the server's host:port.
func (s *tcpServer) addr() string { return s.ln.Addr().String() }

// close stops accepting, closes every open connection and waits for their handlers.
func (s *tcpServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *tcpServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}
