package feed

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
)

// TestMetricsBytesAreTheSourcesIntegers: /metrics carries the byte counts as the kernel
// and Redis report them, to the byte, through the real host and Redis sources and the
// engine (no unit conversion on the way: the snapshot holds bytes).
func TestMetricsBytesAreTheSourcesIntegers(t *testing.T) {
	ctx := context.Background()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	tap := newRedisTap(t, opts.Addr)
	tapped := fmt.Sprintf("redis://%s/%d", tap.ln.Addr(), opts.DB)
	if opts.Password != "" {
		tapped = fmt.Sprintf("redis://:%s@%s/%d", opts.Password, tap.ln.Addr(), opts.DB)
	}
	redisSrc := collector.NewRedisSource(config.RedisConfig{Enabled: true, URL: config.SecretURL(tapped)}, collector.TimeoutsFor(5*time.Second, 2*time.Second))
	defer redisSrc.Close()
	eng, err := collector.NewEngine(collector.Options{Interval: 5 * time.Second}, collector.NewHostSource(config.HostConfig{}), redisSrc)
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, nil)
	metric := func(name string) (float64, bool) {
		t.Helper()
		code, _, body := h.get("/metrics", nil)
		if code != http.StatusOK {
			t.Fatalf("/metrics: HTTP %d", code)
		}
		_, samples, err := parseExposition(string(body))
		if err != nil {
			t.Fatalf("/metrics: %v", err)
		}
		return find(samples, name)
	}

	if want := memTotalBytes(t); true {
		h.src.set(eng.Tick(ctx))
		got, ok := metric("hsi_top_host_memory_total_bytes")
		if !ok || got != float64(want) {
			t.Errorf("hsi_top_host_memory_total_bytes = %v (present %v), /proc/meminfo MemTotal×1024 = %d", got, ok, want)
		}
	}

	// used_memory moves with every command (the source's own pipeline is in it), so the
	// reference is the INFO answer the source itself received, taken off the wire.
	h.src.set(eng.Tick(ctx))
	got, ok := metric("hsi_top_redis_memory_used_bytes")
	want, seen := tap.lastUsedMemory()
	if !ok || !seen || got != float64(want) {
		t.Errorf("hsi_top_redis_memory_used_bytes = %v (present %v), the INFO reply said used_memory:%d (seen %v)", got, ok, want, seen)
	}
}

// redisTap forwards connections to a Redis server and keeps what the server sent.
type redisTap struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	read   bytes.Buffer
	wg     sync.WaitGroup
}

func newRedisTap(t *testing.T, target string) *redisTap {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tap := &redisTap{ln: ln, target: target}
	tap.wg.Add(1)
	go tap.accept()
	t.Cleanup(func() { ln.Close(); tap.wg.Wait() })
	return tap
}

func (p *redisTap) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.wg.Add(2)
		go func() { defer p.wg.Done(); io.Copy(up, c); up.Close() }()
		go func() { defer p.wg.Done(); io.Copy(io.MultiWriter(c, p), up); c.Close() }()
	}
}

// Write keeps a copy of what the server sent.
func (p *redisTap) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.read.Write(b)
}

// lastUsedMemory is used_memory from the newest INFO reply that went through.
func (p *redisTap) lastUsedMemory() (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	text := p.read.String()
	i := strings.LastIndex(text, "\r\nused_memory:")
	if i < 0 {
		return 0, false
	}
	v, _, _ := strings.Cut(text[i+len("\r\nused_memory:"):], "\r\n")
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// memTotalBytes is MemTotal from /proc/meminfo in bytes.
func memTotalBytes(t *testing.T) uint64 {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Fatalf("/proc/meminfo: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("MemTotal %q: %v", v, err)
			}
			return kb * 1024
		}
	}
	t.Fatal("/proc/meminfo has no MemTotal")
	return 0
}
