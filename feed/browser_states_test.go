package feed

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/internal/testenv"
)

// pageCheck is the test's stand-in for the React page (see the file's own comment).
//
//go:embed testdata/pagecheck.html
var pageCheck []byte

// pageView is what pagecheck.html records: the newest view of each frame type and
// everything that went wrong.
type pageView struct {
	Accepted map[string]int `json:"accepted"`
	Dropped  int            `json:"dropped"`
	Errors   []string       `json:"errors"`
	Bad      []string       `json:"bad"`
	Perf     int            `json:"perf"`
	// Raw is the newest frame of each type as it came off the socket.
	Raw  map[string]string `json:"raw"`
	View *struct {
		GPU *struct {
			Name        string `json:"name"`
			Utilization string `json:"utilization"`
		} `json:"gpu"`
		Redis *struct {
			Status   string `json:"status"`
			HitRatio string `json:"hit_ratio"`
			MemoryMB string `json:"memory_mb"`
		} `json:"redis"`
		PostgreSQL *struct {
			Status             string `json:"status"`
			Connections        string `json:"connections"`
			CacheHitRatio      string `json:"cache_hit_ratio"`
			TransactionsPerMin string `json:"transactions_per_min"`
		} `json:"postgresql"`
		Postgres            *string           `json:"postgres"`
		DetectionQueue      string            `json:"detection_queue"`
		DetectionsPerMinute string            `json:"detections_per_minute"`
		DBQuery             *string           `json:"db_query"`
		Aliases             map[string]bool   `json:"aliases"`
		Detector            string            `json:"detector"`
		Containers          map[string]string `json:"containers"`
		Alerts              []string          `json:"alerts"`
	} `json:"view"`
	Status *struct {
		Health         string   `json:"health"`
		CamerasActive  *string  `json:"cameras_active"`
		GPUMemoryUsed  *float64 `json:"gpu_memory_used"`
		GPUMemoryTotal *float64 `json:"gpu_memory_total"`
		Detector       string   `json:"detector"`
	} `json:"status"`
	Close *struct {
		Code   int    `json:"code"`
		Reason string `json:"reason"`
	} `json:"close"`
}

// fakeService serves recorded responses on loopback, like cmd/fakestack.
func fakeService(t *testing.T, routes map[string]string) string {
	mux := http.NewServeMux()
	for path, fixture := range routes {
		body := testenv.ReadFixture(t, fixture)
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(fixture, ".txt") {
				w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			} else {
				w.Header().Set("Content-Type", "application/json")
			}
			w.Write(body)
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// closedURL is an address where nothing listens: connection refused at once.
func closedURL(t *testing.T, scheme string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err) // loopback listening is a precondition of every test here
	}
	addr := ln.Addr().String()
	ln.Close()
	return scheme + "://" + addr
}

// privateRedis starts a redis-server of the test's own, so that no other test's
// lookups move its keyspace counters (the idle state must see none).
func privateRedis(t *testing.T) string {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed: required under CI (scripts/test.sh installs it)")
		}
		t.Skip("redis-server is not installed; scripts/test.sh installs it")
	}
	addr := strings.TrimPrefix(closedURL(t, "tcp"), "tcp://")
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	u := "redis://" + addr + "/0"
	opts, _ := redis.ParseURL(u)
	rc := redis.NewClient(opts)
	defer rc.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rc.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the private redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return u
}

// pageDatabase creates a database of the stack's shape (cameras, events, detections)
// on the harness's PostgreSQL and returns its DSN.
func pageDatabase(t *testing.T) string {
	adminDSN := testenv.PostgresDSN(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		t.Fatalf("connecting to the test PostgreSQL: %v", err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("hsi_page_%d", time.Now().UnixNano()%1e9)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin, err := pgx.Connect(ctx, adminDSN)
		if err != nil {
			return
		}
		defer admin.Close(ctx)
		admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
	})
	u, _ := url.Parse(adminDSN)
	u.Path = "/" + name
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`CREATE TABLE cameras (id serial PRIMARY KEY, status text)`,
		`CREATE TABLE events (id serial PRIMARY KEY, started_at timestamptz)`,
		`CREATE TABLE detections (id serial PRIMARY KEY, detected_at timestamptz)`,
		`INSERT INTO cameras (status) VALUES ('online'), ('online'), ('online'), ('offline')`,
		`INSERT INTO detections (detected_at) SELECT now() - interval '1 minute' FROM generate_series(1, 30)`,
		`INSERT INTO events (started_at) VALUES (now() - interval '2 minutes')`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return u.String()
}

// stack is the set of services one page state reads.
type stack struct {
	backend, detector, yolo26, llm, frontend, redis, postgres string
}

func newStack(t *testing.T) stack {
	return stack{
		backend: fakeService(t, map[string]string{
			"/api/system/stats":        "backend-stats.json",
			"/api/system/health/ready": "backend-health-ready-200.json",
			"/api/system/telemetry":    "backend-telemetry.json",
			"/health":                  "llm-health-ok.json",
		}),
		detector: fakeService(t, map[string]string{"/health": "detector-health-rtdetr.json"}),
		yolo26:   fakeService(t, map[string]string{"/health": "detector-health-yolo26.json"}),
		llm: fakeService(t, map[string]string{"/health": "llm-health-ok.json", "/slots": "llm-slots-current.json",
			"/metrics": "llm-metrics.txt"}),
		frontend: fakeService(t, map[string]string{"/health": "llm-health-ok.json"}),
		redis:    privateRedis(t),
		postgres: pageDatabase(t),
	}
}

// config is hsi-top's configuration for the stack: 1 s ticks and frames, no NVML (the
// states choose their GPU source), no Prometheus.
func (st stack) config() config.Config {
	cfg := config.Default()
	cfg.Interval = config.Duration(time.Second)
	cfg.SourceTimeout = config.Duration(800 * time.Millisecond)
	cfg.GPU.Enabled = false
	cfg.Prometheus.Enabled = false
	cfg.Backend.URL = config.SecretURL(st.backend)
	cfg.Detector.URL = config.SecretURL(st.detector)
	cfg.LLM.URL = config.SecretURL(st.llm)
	cfg.Frontend.URL = config.SecretURL(st.frontend)
	cfg.Redis.URL = config.SecretURL(st.redis)
	cfg.Postgres.DSN = config.SecretURL(st.postgres)
	cfg.Serve.FeedInterval = config.Duration(time.Second)
	cfg.Serve.RateLimitPerMinute = 0
	return cfg
}

// serveReal runs a real collector engine for cfg (sources, alert rules and the history
// store, as hsi-top --serve builds them) and the feed server on it, with pagecheck.html
// as the page. It returns the feed's base URL; everything stops at the end of the test.
func serveReal(t *testing.T, cfg config.Config) string {
	built := collector.Build(cfg)
	rules := alerts.NewEngine(cfg.Alerts, alerts.Options{Interval: cfg.Interval.D()})
	store := history.NewStore()
	stages := append(append([]collector.Stage{}, built.Stages...), rules, store)
	eng, err := collector.NewEngine(collector.Options{
		Interval: cfg.Interval.D(), Timeout: cfg.SourceTimeout.D(), Prepare: built.Prepare, Stages: stages,
	}, built.Sources...)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{
		Config: cfg.Serve, Source: eng, History: store, CollectInterval: eng.Interval(),
		Logger: slog.New(slog.DiscardHandler),
		Page: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(pageCheck)
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); eng.Run(ctx) }()
	go func() {
		defer wg.Done()
		if err := srv.Serve(ctx, ln); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		rules.Close()
		built.Close()
	})
	return "http://" + ln.Addr().String()
}

// keyProxy is the page's nginx with `proxy_set_header X-API-Key KEY`: it serves the
// page and the socket from target, adding the key and X-Forwarded-For.
func keyProxy(t *testing.T, target, key string) string {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	director := rp.Director
	rp.Director = func(r *http.Request) {
		director(r)
		r.Header.Set("X-API-Key", key)
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// newBrowser starts one headless Chromium, closed when the test ends; its first action
// runs here, under a context without a timeout (chromedp: that context owns the browser).
func newBrowser(t *testing.T) context.Context {
	chromium := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // Chromium refuses to run as root with its sandbox
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return bctx
}

// openPage loads pagecheck.html from base in a new tab and waits until it has taken
// `frames` performance_updates (or its socket closed), then returns what it recorded.
func openPage(t *testing.T, bctx context.Context, base, detectorKey string, frames int) pageView {
	t.Helper()
	tab, cancelTab := chromedp.NewContext(bctx)
	defer cancelTab()
	runCtx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(runCtx, chromedp.Navigate(base+"/?detector="+detectorKey)); err != nil {
		t.Fatalf("loading the page: %v", err)
	}
	done := "window.feed && (window.feed.perf >= " + strconv.Itoa(frames) +
		" || window.feed.close !== null || window.feed.errors.length > 0)"
	if _, err := chromedp.Run(runCtx, chromedp.Poll[bool](done, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		partial, _ := chromedp.Run(tab, chromedp.Evaluate[pageView](`window.feed`))
		t.Fatalf("the page did not take %d frames: %v (recorded %+v)", frames, err, partial)
	}
	pv, err := chromedp.Run(runCtx, chromedp.Evaluate[pageView](`window.feed`))
	if err != nil {
		t.Fatal(err)
	}
	return pv
}

// stackState is one state of the stack the page must render truthfully.
type stackState struct {
	name        string
	detectorKey string
	edit        func(cfg *config.Config, st stack)
	// lookups, when set, keeps Redis busy with key lookups while the page watches.
	lookups bool
	// viaKeyProxy puts the page behind a proxy that adds the API key (serve.api_key set).
	viaKeyProxy bool
	check       func(t *testing.T, pv pageView)
}

// TestBrowserPageStates is issue 12 item 7: pagecheck.html, which applies the React
// page's acceptance checks and reads every field contract.md §3b names the way the page
// reads it, is fed by a real engine and feed server through each state of the stack. It
// fails on any exception (the page's error screen), any field rendering NaN, undefined
// or null, and any healthy-looking value for a service that is down.
func TestBrowserPageStates(t *testing.T) {
	bctx := newBrowser(t)
	st := newStack(t)
	for _, ps := range pageStates() {
		t.Run(ps.name, func(t *testing.T) {
			cfg := st.config()
			if ps.edit != nil {
				ps.edit(&cfg, st)
			}
			base := serveReal(t, cfg)
			if ps.viaKeyProxy {
				base = keyProxy(t, base, cfg.Serve.APIKey.Value())
			}
			if ps.lookups {
				stop := redisLookups(t, cfg.Redis.URL.Value())
				defer stop()
			}
			key := ps.detectorKey
			if key == "" {
				key = "rtdetr"
			}
			pv := openPage(t, bctx, base, key, 4)
			if len(pv.Errors) > 0 {
				t.Fatalf("the page threw (its error screen): %v", pv.Errors)
			}
			if len(pv.Bad) > 0 {
				t.Errorf("fields render badly: %v", pv.Bad)
			}
			if pv.Close != nil {
				t.Fatalf("the socket closed: %d %q", pv.Close.Code, pv.Close.Reason)
			}
			if pv.Dropped != 0 || pv.View == nil || pv.Status == nil {
				t.Fatalf("the page dropped %d frames (view %v, status %v)", pv.Dropped, pv.View != nil, pv.Status != nil)
			}
			ps.check(t, pv)
			saveFrames(t, ps.name, pv.Raw)
			if t.Failed() {
				t.Logf("page view: %+v\nstatus: %+v", *pv.View, *pv.Status)
			}
		})
	}
}

// saveFrames writes the state's newest frames to $HSI_PAGE_FRAMES, when set: the frames
// as sent on the wire, for reading (the closing note).
func saveFrames(t *testing.T, state string, raw map[string]string) {
	dir := os.Getenv("HSI_PAGE_FRAMES")
	if dir == "" {
		return
	}
	name := strings.ReplaceAll(strings.ToLower(state), " ", "-")
	name = strings.Map(func(r rune) rune {
		if r == '-' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			return r
		}
		return -1
	}, name)
	for typ, frame := range raw {
		if err := os.WriteFile(filepath.Join(dir, name+"."+typ+".json"), []byte(frame+"\n"), 0o644); err != nil {
			t.Errorf("saving the frames: %v", err)
		}
	}
}

// redisLookups runs GETs (hits and misses) against Redis until stopped, so that the
// interval's hit ratio is known.
func redisLookups(t *testing.T, u string) (stop func()) {
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opts)
	ctx, cancel := context.WithCancel(context.Background())
	rc.Set(ctx, "page:hit", "1", 0)
	// End-to-end latencies, as the stack's workers record them: the pipeline latency
	// the PostgreSQL card's db_query sits beside.
	rc.RPush(ctx, "telemetry:latency:total", 2900.5, 3100.25, 3350)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			rc.Get(ctx, "page:hit")
			if i%4 == 0 {
				rc.Get(ctx, "page:miss")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() {
		cancel()
		<-done
		rc.Del(context.Background(), "page:hit", "telemetry:latency:total")
		rc.Close()
	}
}

// hostCritical reports whether a critical alert about the test machine itself is active.
func hostCritical(alerts []string) bool {
	for _, a := range alerts {
		if strings.HasPrefix(a, "host_") && strings.HasSuffix(a, ":critical") {
			return true
		}
	}
	return false
}

func wantContainer(t *testing.T, pv pageView, name, want string) {
	t.Helper()
	if got := pv.View.Containers[name]; got != want {
		t.Errorf("container %s shows %q, want %q (rows %v)", name, got, want, pv.View.Containers)
	}
}

func wantNotHealthy(t *testing.T, pv pageView, what string) {
	t.Helper()
	if pv.Status.Health == "healthy" {
		t.Errorf("system_status.health is healthy with %s", what)
	}
}

func wantHealthyDatabases(t *testing.T, pv pageView) {
	t.Helper()
	v := pv.View
	if v.PostgreSQL == nil || v.PostgreSQL.Status != "healthy" {
		t.Errorf("PostgreSQL card %+v, want a healthy card with numbers", v.PostgreSQL)
	}
	if v.Postgres == nil || *v.Postgres != "healthy" {
		t.Errorf("databases.postgres (the summary row's key) is %v, want healthy", v.Postgres)
	}
	if pv.Status.CamerasActive == nil || *pv.Status.CamerasActive != "3" {
		t.Errorf("system_status.cameras.active = %v, want 3 (cameras online)", pv.Status.CamerasActive)
	}
}

func pageStates() []stackState {
	return []stackState{
		{name: "healthy", lookups: true, check: func(t *testing.T, pv pageView) {
			v := pv.View
			if v.Redis == nil || v.Redis.Status != "healthy" || v.Redis.HitRatio == "0.0" {
				t.Errorf("Redis card %+v, want healthy with the interval's hit ratio", v.Redis)
			}
			wantHealthyDatabases(t, pv)
			for _, alias := range []string{"detection_queue", "analysis_queue", "detections_per_minute", "postgres", "db_query"} {
				if !v.Aliases[alias] {
					t.Errorf("alias %s missing (aliases %v)", alias, v.Aliases)
				}
			}
			if v.DetectionsPerMinute != "6" {
				t.Errorf("throughput.detections_per_minute renders %q, want 6 (30 detections in 5 minutes)", v.DetectionsPerMinute)
			}
			for _, c := range []string{"backend", "frontend", "postgres", "redis", "ai-detector", "ai-llm"} {
				wantContainer(t, pv, c, "Healthy")
			}
			if v.Detector != "healthy" {
				t.Errorf("detector %q, want healthy", v.Detector)
			}
			if pv.Status.Health != "healthy" && !hostCritical(v.Alerts) {
				// The machine running the test may itself be short of disk or memory: a
				// critical host alert lowers health truthfully. Nothing else may.
				t.Errorf("system health %q with every service up (alerts %v)", pv.Status.Health, v.Alerts)
			}
		}},
		{name: "idle Redis", check: func(t *testing.T, pv pageView) {
			v := pv.View
			if v.Redis == nil || v.Redis.Status != "healthy" {
				t.Fatalf("Redis card %+v, want a healthy card", v.Redis)
			}
			if v.Redis.HitRatio != "100.0" {
				t.Errorf("an idle Redis shows hit ratio %s, want 100.0 (no lookup missed), never a red 0", v.Redis.HitRatio)
			}
			for _, a := range v.Alerts {
				if strings.HasPrefix(a, "redis_hit_ratio") {
					t.Errorf("an idle Redis raised %s", a)
				}
			}
			wantContainer(t, pv, "redis", "Healthy")
		}},
		{name: "Redis down", edit: func(cfg *config.Config, _ stack) {
			cfg.Redis.URL = config.SecretURL(closedURL(nil, "redis") + "/0")
		}, check: func(t *testing.T, pv pageView) {
			if r := pv.View.Redis; r != nil && r.Status == "healthy" {
				t.Errorf("a down Redis shows a healthy card %+v", r)
			}
			wantContainer(t, pv, "redis", "Unhealthy")
			wantNotHealthy(t, pv, "Redis down")
			wantHealthyDatabases(t, pv)
		}},
		{name: "PostgreSQL down", edit: func(cfg *config.Config, _ stack) {
			cfg.Postgres.DSN = config.SecretURL(closedURL(nil, "postgres") + "/security?connect_timeout=1")
		}, check: func(t *testing.T, pv pageView) {
			if p := pv.View.PostgreSQL; p != nil && p.Status == "healthy" {
				t.Errorf("a down PostgreSQL shows a healthy card %+v", p)
			}
			if p := pv.View.Postgres; p != nil && *p == "healthy" {
				t.Errorf("the summary row counts a down PostgreSQL as healthy")
			}
			wantContainer(t, pv, "postgres", "Unhealthy")
			wantNotHealthy(t, pv, "PostgreSQL down")
		}},
		{name: "detector down", edit: func(cfg *config.Config, _ stack) {
			cfg.Detector.URL = config.SecretURL(closedURL(nil, "http"))
		}, check: func(t *testing.T, pv pageView) {
			if pv.View.Detector == "healthy" || pv.Status.Detector == "healthy" {
				t.Errorf("a down detector shows %q / %q", pv.View.Detector, pv.Status.Detector)
			}
			wantContainer(t, pv, "ai-detector", "Unhealthy")
			wantNotHealthy(t, pv, "the detector down")
		}},
		{name: "no GPU", check: func(t *testing.T, pv pageView) {
			if pv.View.GPU != nil {
				t.Errorf("a GPU card %+v without any GPU source", pv.View.GPU)
			}
			if pv.Status.GPUMemoryUsed != nil || pv.Status.GPUMemoryTotal != nil {
				t.Errorf("system_status GPU memory %v/%v without any GPU source", pv.Status.GPUMemoryUsed, pv.Status.GPUMemoryTotal)
			}
		}},
		{name: "GPU from the detector's health only", edit: func(cfg *config.Config, st stack) {
			cfg.Detector.URL = config.SecretURL(st.yolo26)
		}, check: func(t *testing.T, pv pageView) {
			g := pv.View.GPU
			if g == nil || g.Utilization != "37" || !strings.Contains(g.Name, "via detector") {
				t.Errorf("GPU card %+v, want the detector's 37 %% named as coming via the detector", g)
			}
			if pv.Status.GPUMemoryTotal != nil {
				t.Errorf("system_status invents a GPU memory total %v (the detector does not know it)", *pv.Status.GPUMemoryTotal)
			}
		}},
		{name: "detector key yolo26", detectorKey: "yolo26", edit: func(cfg *config.Config, st stack) {
			cfg.Detector.URL = config.SecretURL(st.yolo26)
			cfg.Detector.Key = "yolo26"
		}, check: func(t *testing.T, pv pageView) {
			if pv.View.Detector != "healthy" || pv.Status.Detector != "healthy" {
				t.Errorf("ai_models.yolo26 %q, system_status ai.yolo26 %q, want healthy", pv.View.Detector, pv.Status.Detector)
			}
		}},
		{name: "API key via header", viaKeyProxy: true, edit: func(cfg *config.Config, _ stack) {
			cfg.Serve.APIKey = "page-proxy-key"
			cfg.Serve.TrustedProxies = []string{"127.0.0.1"}
		}, check: func(t *testing.T, pv pageView) {
			if pv.Accepted["performance_update"] == 0 || pv.Accepted["system_status"] == 0 {
				t.Errorf("behind the key-adding proxy the page took %v", pv.Accepted)
			}
		}},
	}
}
