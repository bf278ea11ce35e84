package collector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/hsi-top/hsi-top/internal/testenv"
)

var testDBSeq atomic.Int64

// pgTestDB creates a database of its own for one test on the shared server and drops it
// at the end; it returns the DSN of the new database and a writable connection to it.
func pgTestDB(t testing.TB, adminDSN string) (string, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		t.Fatalf("connecting to the test PostgreSQL: %v", err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("hsi_test_%d_%d", time.Now().UnixNano()%1e9, testDBSeq.Add(1))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	u, err := url.Parse(adminDSN)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	dsn := u.String()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connecting to %s: %v", name, err)
	}
	t.Cleanup(func() {
		conn.Close(ctx)
		admin, err := pgx.Connect(ctx, adminDSN)
		if err != nil {
			t.Errorf("dropping %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	return dsn, conn
}

// pgConnect opens a session that closes at the end of the test.
func pgConnect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// redisTestClient connects to a test Redis and empties it; the client closes at the end.
func redisTestClient(t testing.TB, rawURL string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	opts.DisableIdentity = true
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	if err := c.FlushAll(context.Background()).Err(); err != nil {
		t.Fatalf("FLUSHALL: %v", err)
	}
	return c
}

// exporterEpoch anchors the exporter's counters: every counter is rate × seconds since
// this instant, so counters stay monotonic across exporter restarts and test processes,
// and every series of one scrape grows in exact proportion (histogram_quantile and the
// avg ratio are then exact whatever the window coverage).
var exporterEpoch = time.Unix(1_700_000_000, 0)

// Per-second increments the exporter publishes.
var (
	exporterDetectBuckets  = [][2]float64{{0.025, 2}, {0.05, 6}, {0.1, 9}, {0.25, 10}}
	exporterDetectSum      = 0.5 // 10 observations/s averaging 50 ms
	exporterAnalyzeBuckets = [][2]float64{{1, 1}, {2.5, 3}, {5, 4}, {10, 4}}
	exporterAnalyzeSum     = 8.0 // 4 observations/s averaging 2 s
	// Large rates so that rate()[5m], still far below the true rate while the window is
	// not yet full, keeps enough digits for the ratio check.
	exporterDetections = 200.0 // per second
	exporterEvents     = 50.0
)

// Values computed by hand with Prometheus's histogram_quantile interpolation:
// detect p95: rank 9.5 of 10 lies in (0.1, 0.25] holding ranks 9..10 → 0.1+0.15×0.5.
const (
	wantDetectP95MS  = 175.0
	wantDetectP99MS  = 235.0 // 0.1 + 0.15×0.9
	wantDetectAvgMS  = 50.0
	wantAnalyzeP95MS = 4500.0 // rank 3.8 of 4 in (2.5, 5]: 2.5 + 2.5×0.8
	wantAnalyzeP99MS = 4900.0 // 2.5 + 2.5×0.96
	wantAnalyzeAvgMS = 2000.0
)

func exporterText(now time.Time) string {
	t := now.Sub(exporterEpoch).Seconds()
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	var b strings.Builder
	b.WriteString("# TYPE hsi_gpu_utilization gauge\nhsi_gpu_utilization{gpu=\"0\",name=\"Test GPU\"} 38.5\n")
	b.WriteString("hsi_gpu_memory_used_mb{gpu=\"0\"} 10240\nhsi_gpu_memory_total_mb{gpu=\"0\"} 24576\nhsi_gpu_temperature{gpu=\"0\"} 61\n")
	b.WriteString("hsi_detection_queue_depth 7\nhsi_analysis_queue_depth 2\n")
	for i, w := range []string{"gpu_monitor", "cleanup_service", "system_broadcaster", "file_watcher",
		"detection_worker", "analysis_worker", "batch_timeout_worker", "metrics_worker"} {
		status := 1
		if i == 5 {
			status = 2 // analysis_worker crashed
		}
		fmt.Fprintf(&b, "hsi_worker_status{worker_name=%q} %d\n", w, status)
	}
	b.WriteString("# TYPE hsi_stage_duration_seconds histogram\n")
	hist := func(stage string, buckets [][2]float64, sum float64) {
		total := buckets[len(buckets)-1][1]
		for _, bk := range buckets {
			fmt.Fprintf(&b, "hsi_stage_duration_seconds_bucket{stage=%q,le=%q} %s\n", stage, f(bk[0]), f(bk[1]*t))
		}
		fmt.Fprintf(&b, "hsi_stage_duration_seconds_bucket{stage=%q,le=\"+Inf\"} %s\n", stage, f(total*t))
		fmt.Fprintf(&b, "hsi_stage_duration_seconds_sum{stage=%q} %s\n", stage, f(sum*t))
		fmt.Fprintf(&b, "hsi_stage_duration_seconds_count{stage=%q} %s\n", stage, f(total*t))
	}
	hist("detect", exporterDetectBuckets, exporterDetectSum)
	hist("analyze", exporterAnalyzeBuckets, exporterAnalyzeSum)
	fmt.Fprintf(&b, "# TYPE hsi_detections_processed_total counter\nhsi_detections_processed_total %s\n", f(exporterDetections*t))
	fmt.Fprintf(&b, "# TYPE hsi_events_created_total counter\nhsi_events_created_total %s\n", f(exporterEvents*t))
	return b.String()
}

// serveExporter serves the hsi_* metrics on the address Prometheus scrapes, until the
// test ends.
func serveExporter(t testing.TB) {
	t.Helper()
	addr := testenv.ExporterAddr(t)
	var ln net.Listener
	var err error
	for range 50 { // the previous test's listener may still be closing
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("exporter on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, exporterText(time.Now()))
	}), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("exporter shutdown: %v", err)
		}
		srv.Close()
		<-done
	})
}

// eventually calls cond until it returns "" or attempts run out, pausing between tries;
// it returns the last reason. It bounds how long a test waits for Prometheus to scrape,
// without asserting any duration.
func eventually(attempts int, pause time.Duration, cond func() string) string {
	reason := ""
	for i := 0; i < attempts; i++ {
		if reason = cond(); reason == "" {
			return ""
		}
		time.Sleep(pause)
	}
	return reason
}
