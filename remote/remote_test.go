package remote

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/feed"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Now().UTC().Truncate(5 * time.Second).Add(-time.Hour)

// boxSnap is tick i of the remote box: two GPUs, its sources' freshness, an alert log,
// Redis with no lookups in the interval (hit ratio unknown).
func boxSnap(i int) *snapshot.Snapshot {
	s := snapshot.New(t0.Add(time.Duration(i) * 5 * time.Second))
	s.Hostname = "gpu-box"
	s.GPUs = []snapshot.GPU{
		{Name: "RTX A5500", Index: 0, Utilization: snapshot.F(float64(i % 100)), Temperature: snapshot.F(61)},
		{Name: "RTX A400", Index: 1, Utilization: snapshot.F(33), Temperature: snapshot.F(48)},
	}
	s.GPU = &s.GPUs[0]
	s.Databases.Redis = snapshot.Redis{Status: snapshot.StatusHealthy, MemoryUsedBytes: snapshot.I(64 << 20), ConnectedClients: snapshot.I(3),
		HitRatioNote: snapshot.HitRatioNoLookups}
	s.Sources = []snapshot.SourceStatus{{Source: snapshot.SourceNVML, OK: true, AgeSeconds: snapshot.F(0), Via: "nvml"},
		{Source: snapshot.SourceRedis, OK: true, AgeSeconds: snapshot.F(0), Via: "redis"},
		{Source: snapshot.SourcePostgres, OK: false, Error: "postgres: connection refused"}}
	s.AlertLog = []snapshot.AlertLogEntry{{Severity: snapshot.SeverityWarning, Metric: snapshot.MetricGPUTemperature, Message: "GPU 1 hot",
		Threshold: 80, Raised: snapshot.Time{Time: t0}, Peak: 82}}
	return s
}

type fakeEngine struct {
	p atomic.Pointer[snapshot.Snapshot]
}

func (f *fakeEngine) Latest() *snapshot.Snapshot { return f.p.Load() }

// box is a remote --serve: the real feed server on a fake engine with an hour of history.
type box struct {
	addr   string
	eng    *fakeEngine
	store  *history.Store
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startBox(t *testing.T, addr, key string) *box {
	t.Helper()
	b := &box{eng: &fakeEngine{}, store: history.NewStore()}
	for i := range 720 {
		s := boxSnap(i)
		b.store.Process(s)
		b.eng.p.Store(s)
	}
	b.listen(t, addr, key)
	return b
}

func (b *box) listen(t *testing.T, addr, key string) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the address of a box just stopped may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	b.addr = ln.Addr().String()
	srv, err := feed.New(feed.Options{
		Config:          config.ServeConfig{APIKey: config.Secret(key), FeedInterval: config.Duration(50 * time.Millisecond), RateLimitPerMinute: 10000},
		Source:          b.eng,
		History:         b.store,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
		CollectInterval: time.Hour, // the fake engine's snapshot never goes stale
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.wg.Add(1)
	go func() { defer b.wg.Done(); srv.Serve(ctx, ln) }()
}

func (b *box) stop() { b.cancel(); b.wg.Wait() }

// follow runs a Source on url until the test ends.
func follow(t *testing.T, url, key string) *Source {
	t.Helper()
	src, err := New(Options{URL: url, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); src.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return src
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFollowsTheFeedWithWhatTheDashboardReads(t *testing.T) {
	b := startBox(t, "127.0.0.1:0", "")
	defer b.stop()
	src := follow(t, "http://"+b.addr, "")
	waitFor(t, "the first frame", func() bool { return src.Latest() != nil })
	s := src.Latest()
	want := b.eng.Latest()
	if !s.Timestamp.Equal(want.Timestamp.Time) || s.Hostname != "gpu-box" {
		t.Errorf("frame: %v %q, want %v gpu-box", s.Timestamp, s.Hostname, want.Timestamp)
	}
	if len(s.GPUs) != 2 || s.GPUs[1].Name != "RTX A400" || *s.GPUs[1].Utilization != 33 || s.GPU == nil || *s.GPU.Utilization != *want.GPU.Utilization {
		t.Errorf("GPUs: %+v", s.GPUs)
	}
	if len(s.Sources) != 3 || !s.Sources[0].OK || s.Sources[2].Error != "postgres: connection refused" {
		t.Errorf("sources (freshness): %+v", s.Sources)
	}
	if len(s.AlertLog) != 1 || s.AlertLog[0].Message != "GPU 1 hot" {
		t.Errorf("alert log: %+v", s.AlertLog)
	}
	// The page rules' substitutions are undone: no lookups is an unknown hit ratio, and
	// the PostgreSQL card the page was not sent is unreachable (its source failed).
	if r := s.Databases.Redis; r.HitRatio != nil || r.HitRatioNote != snapshot.HitRatioNoLookups || r.Status != snapshot.StatusHealthy || r.MemoryUsedBytes == nil || *r.MemoryUsedBytes != 64<<20 {
		t.Errorf("redis: %+v (hit ratio %v)", r, r.HitRatio)
	}
	if pg := s.Databases.PostgreSQL; pg.Status != snapshot.StatusUnreachable || pg.ConnectionsActive != nil {
		t.Errorf("postgres: %+v", pg)
	}
	// The history came from the REST endpoint: the hour's 60m chart matches the box's.
	key := history.GPUKey(0, history.GPUUtilization)
	got, have := src.Series(key, history.Range60m), b.store.Series(key, history.Range60m)
	filled := 0
	for i := range got {
		if got[i].Count > 0 {
			filled++
			if !got[i].Start.Equal(have[i].Start) || have[i].Count == 0 {
				t.Errorf("60m bucket %d: %v, the box has %v", i, got[i], have[i])
			}
		}
	}
	if filled < 55 {
		t.Errorf("only %d of 60 buckets of the 60m chart filled at connect", filled)
	}
	five := src.Series(key, history.Range5m)
	if five[59].Count == 0 || five[59].Max != *want.GPU.Utilization || five[0].Count == 0 {
		t.Errorf("5m chart: first %v, last %v; want both filled, the last %v", five[0], five[59], *want.GPU.Utilization)
	}
	if !strings.HasPrefix(src.Badge(), "remote 127.0.0.1:") {
		t.Errorf("badge while connected: %q", src.Badge())
	}
}

func TestSaysStaleWhenTheRemoteDiesAndRecovers(t *testing.T) {
	b := startBox(t, "127.0.0.1:0", "")
	src := follow(t, "ws://"+b.addr+"/ws/system", "")
	waitFor(t, "connected", src.Connected)
	sub, cancel := src.Subscribe()
	defer cancel()
	b.stop()
	waitFor(t, "the link down", func() bool { return !src.Connected() })
	if badge := src.Badge(); !strings.HasPrefix(badge, "remote · stale ") {
		t.Errorf("badge after the remote died: %q", badge)
	}
	// The last snapshot is offered again so the dashboard redraws the stale age.
	select {
	case s := <-sub:
		if s == nil {
			t.Error("nil snapshot republished")
		}
	case <-time.After(5 * time.Second):
		t.Error("nothing republished while the link was down")
	}
	// Restarted on the same address, with a newer snapshot: reconnected, history extended.
	next := boxSnap(720)
	b.eng.p.Store(next)
	b.store.Process(next)
	b.listen(t, b.addr, "")
	defer b.stop()
	src.CollectNow() // r: retry at once
	waitFor(t, "reconnected", func() bool { return src.Connected() && src.Latest().Timestamp.Equal(next.Timestamp.Time) })
	if latest := src.store.Latest(); !latest.Timestamp.Equal(next.Timestamp.Time) {
		t.Errorf("history's latest %v, want the new tick", latest.Timestamp)
	}
}

func TestTheAPIKeyIsSentAndARefusalSaysSo(t *testing.T) {
	b := startBox(t, "127.0.0.1:0", "s3cret-key")
	defer b.stop()
	wrong := follow(t, "http://"+b.addr, "wrong")
	waitFor(t, "a refusal", func() bool { return strings.Contains(wrong.Badge(), "unreachable") })
	if badge := wrong.Badge(); !strings.Contains(badge, "Invalid API key") || !strings.Contains(badge, "--api-key") || strings.Contains(badge, "wrong") {
		t.Errorf("badge with a wrong key: %q", badge)
	}
	right := follow(t, "http://"+b.addr, "s3cret-key")
	waitFor(t, "connected with the key", right.Connected)
	if right.Series(history.GPUKey(1, history.GPUUtilization), history.Range60m)[30].Count == 0 {
		t.Error("history not filled with the key (REST refused?)")
	}
}

func TestEndpoints(t *testing.T) {
	for in, want := range map[string][2]string{
		"ws://box:8089/ws/system":         {"ws://box:8089/ws/system", "http://box:8089"},
		"http://box:8089":                 {"ws://box:8089/ws/system", "http://box:8089"},
		"https://box.lan/hsi/":            {"wss://box.lan/hsi/ws/system", "https://box.lan/hsi"},
		"wss://box.lan/hsi/ws/system":     {"wss://box.lan/hsi/ws/system", "https://box.lan/hsi"},
		" http://10.0.0.5:8089/ws/system": {"ws://10.0.0.5:8089/ws/system", "http://10.0.0.5:8089"},
	} {
		ws, base, err := endpoints(in)
		if err != nil || ws != want[0] || base != want[1] {
			t.Errorf("%q: %q %q %v, want %q %q", in, ws, base, err, want[0], want[1])
		}
	}
	for _, bad := range []string{"box:8089", "ftp://box", "http://user:pw@box:8089", ""} {
		if _, _, err := endpoints(bad); err == nil || !strings.Contains(err.Error(), "--") {
			t.Errorf("%q: %v, want an error naming the flag", bad, err)
		}
	}
}
