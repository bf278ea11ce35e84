package demo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"time"
)

// fakeRedis is just enough of a Redis (RESP2) for hsi-top's Redis source: PING, INFO,
// MEMORY USAGE of the queue keys, LLEN; its memory, clients, hit counters and queue
// depths move with the time since the demo started.
type fakeRedis struct {
	*tcpServer
	start time.Time
}

// demoQueues are the queue keys the demo's Redis holds.
var demoQueues = map[string]bool{"hsi:queue:detection_queue": true, "hsi:queue:analysis_queue": true}

func startRedis(start time.Time) (*fakeRedis, error) {
	r := &fakeRedis{start: start}
	srv, err := listenLoopback(r.handle)
	if err != nil {
		return nil, err
	}
	r.tcpServer = srv
	return r, nil
}

func (r *fakeRedis) handle(c net.Conn) {
	br, bw := bufio.NewReader(c), bufio.NewWriter(c)
	for {
		args, err := readCommand(br)
		if err != nil {
			return
		}
		bw.WriteString(r.reply(args))
		if br.Buffered() == 0 {
			if bw.Flush() != nil {
				return
			}
		}
	}
}

// readCommand reads one RESP array of bulk strings.
func readCommand(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "*") {
		return strings.Fields(line), nil // an inline command
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n < 0 || n > 64 {
		return nil, errors.New("bad array")
	}
	args := make([]string, 0, n)
	for range n {
		hdr, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimRight(hdr, "\r\n")[1:])
		if err != nil || size < 0 || size > 1<<16 {
			return nil, errors.New("bad bulk string")
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, err
		}
		args = append(args, string(buf[:size]))
	}
	return args, nil
}

func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

func integer(n int64) string { return ":" + strconv.FormatInt(n, 10) + "\r\n" }

// reply answers one command.
func (r *fakeRedis) reply(args []string) string {
	if len(args) == 0 {
		return "-ERR empty command\r\n"
	}
	t := time.Since(r.start).Seconds()
	switch strings.ToUpper(args[0]) {
	case "PING":
		return "+PONG\r\n"
	case "INFO":
		return bulk(r.info(t))
	case "MEMORY":
		if len(args) == 3 && demoQueues[args[2]] {
			return integer(312)
		}
		return "$-1\r\n"
	case "LLEN":
		if len(args) == 2 && demoQueues[args[1]] {
			return integer(queueDepth(args[1], t))
		}
		return integer(0)
	case "SELECT", "CLIENT", "AUTH":
		return "+OK\r\n"
	}
	return "-ERR unknown command '" + args[0] + "'\r\n"
}

// queueDepth is a queue's simulated length: bursts of work every two minutes.
func queueDepth(key string, t float64) int64 {
	phase := math.Mod(t, 120)
	if strings.Contains(key, "analysis") {
		if phase < 30 {
			return int64(3 - phase/10)
		}
		return 0
	}
	if phase < 10 {
		return int64(12 - phase)
	}
	return int64(1 + int(t)%2)
}

// info is the INFO text: memory around 1.5 MB with a slow wave, hits growing ten times
// faster than misses.
func (r *fakeRedis) info(t float64) string {
	used := int64((1.5 + 0.3*math.Sin(t/40)) * 1024 * 1024)
	hits, misses := int64(1000+40*t), int64(100+4*t)
	var b strings.Builder
	fmt.Fprintf(&b, "# Server\r\nredis_version:7.2.4\r\nuptime_in_seconds:%d\r\n", 86400+int64(t))
	fmt.Fprintf(&b, "# Clients\r\nconnected_clients:%d\r\nblocked_clients:0\r\n", 7+int64(t/30)%3)
	fmt.Fprintf(&b, "# Memory\r\nused_memory:%d\r\nmaxmemory:0\r\n", used)
	fmt.Fprintf(&b, "# Stats\r\ninstantaneous_ops_per_sec:%d\r\nkeyspace_hits:%d\r\nkeyspace_misses:%d\r\nevicted_keys:0\r\n", 40+int64(t)%20, hits, misses)
	b.WriteString("# Keyspace\r\ndb0:keys=42,expires=3,avg_ttl=0\r\n")
	return b.String()
}
