// Command feedload measures the feed's fan-out: it starts a feed server in a child
// process (so the server's CPU and memory are its own), connects many healthy clients
// and some that never read, and reports the delivery delay after each tick, frames lost
// by healthy clients, slow clients dropped, and the server's CPU and resident memory;
// then it runs connect/disconnect cycles and compares the server's goroutines and heap
// before and after.
//
//	go run ./cmd/feedload -clients 1000 -slow 50 -duration 60s -interval 1s -churn 10000
//
// With -idle N it soaks instead: N sockets that never read, held for -soak, with the
// server's RSS sampled every 5 s (serve.max_connections at its default unless
// -max-connections says otherwise):
//
//	go run ./cmd/feedload -idle 2000 -soak 45s
//
// scripts/loadtest.sh raises the open-file limit and runs it. Linux only (it reads
// /proc for the child's CPU time and memory).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/feed"
	"github.com/hsi-top/hsi-top/snapshot"
)

func main() {
	role := flag.String("role", "driver", "driver (default) or server (the child)")
	clients := flag.Int("clients", 1000, "healthy clients")
	slow := flag.Int("slow", 50, "clients that never read")
	duration := flag.Duration("duration", 60*time.Second, "measurement window")
	interval := flag.Duration("interval", time.Second, "feed interval")
	churn := flag.Int("churn", 10000, "connect/disconnect cycles")
	churnParallel := flag.Int("churn-parallel", 50, "concurrent connect/disconnect cycles")
	flag.IntVar(&slowRcvBuf, "slow-rcvbuf", 16<<10, "SO_RCVBUF of the never-reading clients in bytes (0: the kernel's default)")
	maxConns := flag.Int("max-connections", 0, "the server's serve.max_connections (0: the fan-out's clients plus room; with -idle, the default 256)")
	idle := flag.Int("idle", 0, "soak instead: open this many sockets that never read and watch the server's RSS")
	soakFor := flag.Duration("soak", 60*time.Second, "with -idle: how long to hold the sockets")
	flag.Parse()
	if *role == "server" {
		if err := runServer(*interval, *maxConns); err != nil {
			fmt.Fprintln(os.Stderr, "feedload server:", err)
			os.Exit(1)
		}
		return
	}
	if *idle > 0 {
		if err := soak(*idle, *soakFor, *interval, *maxConns); err != nil {
			fmt.Fprintln(os.Stderr, "feedload:", err)
			os.Exit(1)
		}
		return
	}
	if *maxConns == 0 {
		*maxConns = *clients + *slow + 100
	}
	if err := drive(*clients, *slow, *duration, *interval, *churn, *churnParallel, *maxConns); err != nil {
		fmt.Fprintln(os.Stderr, "feedload:", err)
		os.Exit(1)
	}
}

// ---- the child: a feed server over a synthetic collector ----

// stampedSource returns the fixture-shaped snapshot stamped with the time of the call:
// the hub calls Latest once per tick, so data.timestamp is the tick's time and the
// client's receive time minus it is the delivery delay.
type stampedSource struct{ tmpl snapshot.Snapshot }

func (s *stampedSource) Latest() *snapshot.Snapshot {
	c := s.tmpl
	c.Timestamp = snapshot.Time{Time: time.Now().UTC()}
	return &c
}

func synthetic() snapshot.Snapshot {
	s := snapshot.New(time.Now())
	s.Hostname = "loadtest"
	g := snapshot.GPU{Name: "NVIDIA RTX A5500", Utilization: snapshot.F(38), MemoryUsedBytes: snapshot.U(24373684224),
		MemoryTotalBytes: snapshot.U(24 << 30), VRAMPercent: snapshot.F(94.58), Temperature: snapshot.F(38), PowerWatts: snapshot.F(31), Source: "nvml"}
	s.GPU, s.GPUs = &g, []snapshot.GPU{g}
	s.AIModels.Detector = snapshot.Detector{Status: "healthy", VRAMUsedBytes: snapshot.U(182536110)}
	s.AIModels.Nemotron = snapshot.LLM{Status: "healthy", SlotsActive: snapshot.I(1), SlotsTotal: snapshot.I(2), ContextSize: snapshot.I(131072)}
	s.Nemotron = s.AIModels.Nemotron
	lat := &snapshot.Latency{Avg: snapshot.F(45.2), P95: snapshot.F(82.3), P99: snapshot.F(120.6), Samples: snapshot.I(1000), Source: "redis"}
	s.Inference.DetectorLatency, s.Inference.LLMLatency, s.Inference.PipelineLatency = lat, lat, lat
	s.Inference.Throughput = &snapshot.Throughput{ImagesPerMin: snapshot.F(12.4), EventsPerMin: snapshot.F(2.1)}
	s.Inference.Queues = &snapshot.Queues{Detection: snapshot.I(3), Analysis: snapshot.I(1)}
	s.Databases.PostgreSQL = snapshot.PostgreSQL{Status: "healthy", ConnectionsActive: snapshot.I(5), ConnectionsMax: snapshot.I(100),
		CacheHitRatio: snapshot.F(98.2), TransactionsPerMin: snapshot.F(1200)}
	s.Databases.Redis = snapshot.Redis{Status: "healthy", ConnectedClients: snapshot.I(8), MemoryUsedBytes: snapshot.I(1509949), HitRatio: snapshot.F(97.5)}
	s.Host = snapshot.Host{CPUPercent: snapshot.F(12), MemoryUsedBytes: snapshot.U(8804682957), MemoryTotalBytes: snapshot.U(32 << 30),
		RAMPercent: snapshot.F(25.6), DiskUsedBytes: snapshot.U(156 << 30), DiskTotalBytes: snapshot.U(500 << 30), DiskPercent: snapshot.F(31.2)}
	timeline := make([]string, 60)
	for i := range timeline {
		timeline[i] = "healthy"
	}
	for _, n := range []string{"backend", "frontend", "postgres", "redis", "ai-detector", "ai-llm"} {
		s.Containers = append(s.Containers, snapshot.Container{Name: n, Status: "running", Health: "healthy", State: "healthy", Timeline: timeline})
	}
	s.Alerts = []snapshot.Alert{{Severity: "warning", Metric: "gpu_vram", Value: 94.58, Threshold: 90, Message: "GPU VRAM high: 94.6%"}}
	return *s
}

func runServer(interval time.Duration, maxConns int) error {
	src := &stampedSource{tmpl: synthetic()}
	debug := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/debug/stats" {
			http.NotFound(w, r)
			return
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		json.NewEncoder(w).Encode(map[string]any{
			"goroutines": runtime.NumGoroutine(),
			"heap_alloc": ms.HeapAlloc,
			"heap_inuse": ms.HeapInuse,
		})
	})
	srv, err := feed.New(feed.Options{
		Config: config.ServeConfig{
			FeedInterval: config.Duration(interval),
			// Every client comes from 127.0.0.1: the per-IP limit would refuse them.
			RateLimitPerMinute: 0,
			MaxConnections:     maxConns,
		},
		Source:          src,
		CollectInterval: interval,
		Logger:          slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Page:            debug,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() { // the driver closes stdin to stop us
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	return srv.Serve(ctx, ln)
}

// ---- the driver ----

type procSample struct {
	cpu      time.Duration // user+system
	rss, hwm uint64        // bytes
}

func readProc(pid int) (procSample, error) {
	var ps procSample
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	// Fields after the command name (which may contain spaces) start after ')'.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.ParseUint(fields[11], 10, 64)
	stime, _ := strconv.ParseUint(fields[12], 10, 64)
	ps.cpu = time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "VmRSS:" || f[0] == "VmHWM:") {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			if f[0] == "VmRSS:" {
				ps.rss = kb << 10
			} else {
				ps.hwm = kb << 10
			}
		}
	}
	return ps, nil
}

type debugStats struct {
	Goroutines int    `json:"goroutines"`
	HeapAlloc  uint64 `json:"heap_alloc"`
	HeapInuse  uint64 `json:"heap_inuse"`
}

var httpClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

func getStats(base string) (debugStats, error) {
	var st debugStats
	resp, err := httpClient.Get(base + "/debug/stats")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// metric reads one unlabelled sample of the server's /metrics.
func metric(base, name string) (float64, error) {
	resp, err := httpClient.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			return strconv.ParseFloat(f[1], 64)
		}
	}
	return 0, fmt.Errorf("%s not in /metrics", name)
}

// healthy is one reading client's record.
type healthy struct {
	stamps map[int64]bool // performance_update data.timestamps in the window, UnixNano
	delays []time.Duration
	err    error
}

var stampPrefix = []byte(`{"type":"performance_update","data":{"timestamp":"`)

func (h *healthy) run(ctx context.Context, url string, from, to *atomic.Int64, ready *sync.WaitGroup) {
	c, _, err := websocket.Dial(ctx, url, nil)
	ready.Done()
	if err != nil {
		h.err = err
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	buf := make([]byte, 0, 64<<10)
	for {
		_, r, err := c.Reader(ctx)
		if err != nil {
			if ctx.Err() == nil {
				h.err = err
			}
			return
		}
		buf = buf[:0]
		for {
			if len(buf) == cap(buf) {
				buf = append(buf, 0)[:len(buf)]
			}
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				h.err = err
				return
			}
		}
		now := time.Now()
		if !bytes.HasPrefix(buf, stampPrefix) {
			continue
		}
		rest := buf[len(stampPrefix):]
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			continue
		}
		ts, err := time.Parse(snapshot.TimeLayout, string(rest[:end]))
		if err != nil {
			h.err = fmt.Errorf("bad timestamp %q", rest[:end])
			return
		}
		if f, t := from.Load(), to.Load(); f == 0 || ts.UnixNano() < f || (t != 0 && ts.UnixNano() > t) {
			continue
		}
		h.stamps[ts.UnixNano()] = true
		h.delays = append(h.delays, now.Sub(ts))
	}
}

// slowRcvBuf is the receive buffer of the never-reading clients: a stalled browser on
// a slow link advertises a small window; with the kernel's loopback defaults a socket
// absorbs minutes of frames before the server can notice.
var slowRcvBuf int

// dialNoRead connects a client that never reads.
func dialNoRead(ctx context.Context, url string) (*websocket.Conn, error) {
	d := &net.Dialer{Control: func(network, address string, rc syscall.RawConn) error {
		if slowRcvBuf <= 0 {
			return nil
		}
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, slowRcvBuf)
		}); err != nil {
			return err
		}
		return serr
	}}
	hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	return c, err
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// startServer runs the feed server child and returns its address and pid; stop ends it.
func startServer(interval time.Duration, maxConns int) (addr string, pid int, stop func(), err error) {
	self, err := os.Executable()
	if err != nil {
		return "", 0, nil, err
	}
	cmd := exec.Command(self, "-role", "server", "-interval", interval.String(), "-max-connections", strconv.Itoa(maxConns))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", 0, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop = func() { stdin.Close(); cmd.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		stop()
		return "", 0, nil, fmt.Errorf("server did not start: %q %v", line, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "ADDR ")), cmd.Process.Pid, stop, nil
}

// soak opens n sockets that never read (each takes only its first frame, to tell an
// accepted socket from one refused past the cap) and holds them for window, sampling
// the server's RSS every 5 s: with the cap the server's memory must stay flat.
func soak(n int, window, interval time.Duration, maxConns int) error {
	addr, pid, stop, err := startServer(interval, maxConns)
	if err != nil {
		return err
	}
	defer stop()
	base, url := "http://"+addr, "ws://"+addr+"/ws/system"
	time.Sleep(time.Second)
	p0, _ := readProc(pid)
	fmt.Printf("server pid %d on %s, feed interval %s, max_connections %d (0: the default)\n", pid, addr, interval, maxConns)
	fmt.Printf("RSS before any socket: %s\n", mib(p0.rss))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var accepted, refused, failed atomic.Int64
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dialNoRead(ctx, url)
			if err != nil {
				failed.Add(1) // refused before the upgrade (503) or the dial failed
				return
			}
			conns[i] = c
			rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
			defer rcancel()
			if _, _, err := c.Read(rctx); err != nil {
				if websocket.CloseStatus(err) == websocket.StatusTryAgainLater {
					refused.Add(1)
				} else {
					failed.Add(1)
				}
				return
			}
			accepted.Add(1)
		}()
	}
	wg.Wait()
	p1, _ := readProc(pid)
	open, _ := metric(base, "hsi_top_websocket_clients")
	fmt.Printf("%d sockets: %d accepted, %d closed with 1013 past the cap, %d refused before the upgrade or failed; server says %.0f open\n",
		n, accepted.Load(), refused.Load(), failed.Load(), open)
	fmt.Printf("RSS with the sockets open: %s\n", mib(p1.rss))
	start := time.Now()
	peak := p1.rss
	for time.Since(start) < window {
		time.Sleep(5 * time.Second)
		p, _ := readProc(pid)
		peak = max(peak, p.rss)
		open, _ := metric(base, "hsi_top_websocket_clients")
		dropped, _ := metric(base, "hsi_top_websocket_clients_dropped_total")
		fmt.Printf("  t+%3.0fs  RSS %s  open %.0f  dropped as too slow %.0f\n", time.Since(start).Seconds(), mib(p.rss), open, dropped)
	}
	p2, _ := readProc(pid)
	fmt.Printf("RSS over the soak: %s at the start, %s at the end, %s peak (from %s before any socket)\n",
		mib(p1.rss), mib(p2.rss), mib(peak), mib(p0.rss))
	for _, c := range conns {
		if c != nil {
			c.CloseNow()
		}
	}
	return nil
}

func drive(nClients, nSlow int, window, interval time.Duration, churn, churnParallel, maxConns int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(self, "-role", "server", "-interval", interval.String(), "-max-connections", strconv.Itoa(maxConns))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		return fmt.Errorf("server did not start: %q %v", line, err)
	}
	addr := strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
	base, url := "http://"+addr, "ws://"+addr+"/ws/system"
	pid := cmd.Process.Pid
	fmt.Printf("server pid %d on %s, feed interval %s, GOMAXPROCS %d, CPUs %d\n", pid, addr, interval, runtime.GOMAXPROCS(0), runtime.NumCPU())

	// ---- fan-out ----
	ctx, cancel := context.WithCancel(context.Background())
	var from, to atomic.Int64
	hs := make([]*healthy, nClients)
	var ready, done sync.WaitGroup
	connectStart := time.Now()
	for i := range hs {
		hs[i] = &healthy{stamps: map[int64]bool{}}
		ready.Add(1)
		done.Add(1)
		go func(h *healthy) {
			defer done.Done()
			h.run(ctx, url, &from, &to, &ready)
		}(hs[i])
		if i%100 == 99 {
			time.Sleep(50 * time.Millisecond) // do not flood the listen backlog
		}
	}
	ready.Wait()
	var slowConns []*websocket.Conn
	for range nSlow {
		c, err := dialNoRead(ctx, url)
		if err != nil {
			cancel()
			return fmt.Errorf("slow client: %w", err)
		}
		slowConns = append(slowConns, c)
	}
	fmt.Printf("connected %d healthy + %d never-reading clients in %s\n", nClients, nSlow, time.Since(connectStart).Round(time.Millisecond))
	clientsNow, _ := metric(base, "hsi_top_websocket_clients")
	ticks0, _ := metric(base, "hsi_top_feed_ticks_total")
	before, err := readProc(pid)
	if err != nil {
		cancel()
		return err
	}
	start := time.Now()
	from.Store(start.Add(interval / 2).UnixNano())
	time.Sleep(window)
	to.Store(time.Now().UnixNano())
	after, _ := readProc(pid)
	elapsed := time.Since(start)
	ticks1, _ := metric(base, "hsi_top_feed_ticks_total")
	dropped, _ := metric(base, "hsi_top_websocket_clients_dropped_total")
	time.Sleep(interval + interval/2) // let the last frames of the window arrive
	droppedEnd, _ := metric(base, "hsi_top_websocket_clients_dropped_total")
	cancel()
	done.Wait()
	for _, c := range slowConns {
		c.CloseNow()
	}

	union := map[int64]bool{}
	var delays []time.Duration
	var failed int
	errKinds := map[string]int{}
	for _, h := range hs {
		if h.err != nil {
			failed++
			msg := h.err.Error()
			if len(msg) > 90 {
				msg = msg[:90]
			}
			errKinds[msg]++
		}
		for ts := range h.stamps {
			union[ts] = true
		}
		delays = append(delays, h.delays...)
	}
	var lost, clientsLosing int
	for _, h := range hs {
		if n := len(union) - len(h.stamps); n > 0 {
			lost += n
			clientsLosing++
		}
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	cpu := after.cpu - before.cpu
	fmt.Printf("\n== fan-out: %d healthy clients, %d never-reading, %s at %s cadence ==\n", nClients, nSlow, window, interval)
	fmt.Printf("clients connected at start (server): %.0f; frame sizes: system_status %d B, performance_update %d B\n",
		clientsNow, frameSize(url, "system_status"), frameSize(url, "performance_update"))
	fmt.Printf("ticks broadcast in window (server): %.0f; distinct performance_update frames seen: %d\n", ticks1-ticks0, len(union))
	fmt.Printf("delivery delay after the tick over %d frames: p50 %s  p90 %s  p99 %s  max %s\n", len(delays),
		quantile(delays, 0.50).Round(10*time.Microsecond), quantile(delays, 0.90).Round(10*time.Microsecond),
		quantile(delays, 0.99).Round(10*time.Microsecond), quantile(delays, 1).Round(10*time.Microsecond))
	fmt.Printf("frames lost by healthy clients: %d (clients losing any: %d; clients disconnected with an error: %d)\n", lost, clientsLosing, failed)
	for msg, n := range errKinds {
		fmt.Printf("  %d healthy clients ended with: %s\n", n, msg)
	}
	fmt.Printf("clients dropped by the server as too slow: %.0f at the window's end (%d never-reading clients), %.0f after the grace\n", dropped, nSlow, droppedEnd)
	fmt.Printf("server CPU: %s over %s = %.1f%% of one core; RSS %s (peak %s)\n", cpu.Round(time.Millisecond),
		elapsed.Round(time.Millisecond), 100*cpu.Seconds()/elapsed.Seconds(), mib(after.rss), mib(after.hwm))

	// ---- churn ----
	if churn <= 0 {
		return nil
	}
	waitClients := func() {
		for range 100 {
			if n, err := metric(base, "hsi_top_websocket_clients"); err == nil && n == 0 {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitClients()
	st0, err := getStats(base)
	if err != nil {
		return err
	}
	p0, _ := readProc(pid)
	var next, failures atomic.Int64
	var wg sync.WaitGroup
	churnStart := time.Now()
	for range churnParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(churn) {
				if err := cycle(url); err != nil {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	churnTook := time.Since(churnStart)
	waitClients()
	time.Sleep(time.Second)
	st1, err := getStats(base)
	if err != nil {
		return err
	}
	p1, _ := readProc(pid)
	fmt.Printf("\n== churn: %d connect/read/close cycles, %d at a time, in %s (%.0f/s), %d failed ==\n",
		churn, churnParallel, churnTook.Round(time.Millisecond), float64(churn)/churnTook.Seconds(), failures.Load())
	fmt.Printf("server goroutines: %d before, %d after\n", st0.Goroutines, st1.Goroutines)
	fmt.Printf("server heap in use after GC: %s before, %s after\n", mib(st0.HeapInuse), mib(st1.HeapInuse))
	fmt.Printf("server RSS: %s before, %s after\n", mib(p0.rss), mib(p1.rss))
	return nil
}

// frameSize returns the size of the first frame of type typ a new client gets.
func frameSize(url, typ string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return -1
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			return -1
		}
		if bytes.HasPrefix(b, []byte(`{"type":"`+typ+`"`)) {
			return len(b)
		}
	}
}

// cycle connects, reads the connect-time system_status and closes normally.
func cycle(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return err
	}
	defer c.CloseNow()
	_, b, err := c.Read(ctx)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte(`{"type":"system_status"`)) {
		return fmt.Errorf("first frame %.40s", b)
	}
	return c.Close(websocket.StatusNormalClosure, "")
}
