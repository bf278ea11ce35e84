package collector

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

func TestTxPerMinute(t *testing.T) {
	if v := TxPerMinute(100, 160, 30*time.Second, false); v == nil || *v != 120 {
		t.Fatalf("60 transactions in 30 s = %v, want 120/min", v)
	}
	if TxPerMinute(100, 50, time.Minute, false) != nil {
		t.Error("a counter that went backwards is a reset: unknown")
	}
	if TxPerMinute(100, 150, time.Minute, true) != nil {
		t.Error("stats_reset changed: unknown")
	}
	if TxPerMinute(100, 150, 0, false) != nil {
		t.Error("no time elapsed: unknown")
	}
}

func TestPostgresDSNErrorsHidePassword(t *testing.T) {
	src := postgresSource("postgres://u:hunter2secret@127.0.0.1:1/db?sslmode=bogus", 0, time.Second)
	defer src.Close()
	_, err := src.Collect(context.Background())
	if err == nil || strings.Contains(err.Error(), "hunter2secret") {
		t.Fatalf("err = %v", err)
	}
	src = postgresSource("postgres://u:hunter2secret@127.0.0.1:1/db?sslmode=disable", 0, time.Second)
	defer src.Close()
	_, err = src.Collect(context.Background())
	if err == nil || strings.Contains(err.Error(), "hunter2secret") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
}

// clockFunc is a settable time for the transaction-rate denominator.
type clockFunc struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clockFunc) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clockFunc) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestPostgresRealServer(t *testing.T) {
	dsn, conn := pgTestDB(t, testenv.PostgresDSN(t))
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE cameras (id serial PRIMARY KEY, status text)`,
		`CREATE TABLE events (id serial PRIMARY KEY, started_at timestamptz)`,
		`CREATE TABLE detections (id serial PRIMARY KEY, detected_at timestamptz)`,
		`INSERT INTO cameras (status) VALUES ('online'), ('online'), ('offline')`,
		`INSERT INTO events (started_at) SELECT now() - make_interval(mins => g) FROM generate_series(1, 10) g`,           // 4 in the last 5 min
		`INSERT INTO detections (detected_at) SELECT now() - make_interval(secs => g * 10) FROM generate_series(1, 50) g`, // 29 in the last 5 min
		`SELECT pg_stat_force_next_flush()`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	clk := &clockFunc{t: time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)}
	src := postgresSource(dsn, 0, 2*time.Second)
	src.Now = clk.now
	eng := newTestEngine(t, nil, src)

	s := eng.Tick(ctx)
	pg := s.Databases.PostgreSQL
	if !Fresh(s, "postgres") || pg.Status != "healthy" {
		t.Fatalf("postgres = %+v, sources %+v", pg, s.Sources)
	}
	if pg.TransactionsPerMin != nil {
		t.Fatalf("tx/min on the first tick = %v, want null", *pg.TransactionsPerMin)
	}
	if *pg.ConnectionsMax != 50 || pg.ConnectionsMaxSource != "max_connections" {
		t.Fatalf("limit = %v (%s): the harness runs max_connections=50", *pg.ConnectionsMax, pg.ConnectionsMaxSource)
	}
	if pg.CacheHitRatio == nil || *pg.CacheHitRatio <= 0 || *pg.CacheHitRatio > 100 {
		t.Fatalf("cache hit ratio = %v", pg.CacheHitRatio)
	}
	if pg.DatabaseSizeBytes == nil || *pg.DatabaseSizeBytes < 1<<20 || pg.PingMS == nil || *pg.ConnectionsTotal < 2 {
		t.Fatalf("size %v, ping %v, total %v", pg.DatabaseSizeBytes, pg.PingMS, pg.ConnectionsTotal)
	}
	ov := s.Overview
	if ov.Source != "sql" || *ov.CamerasTotal != 3 || *ov.CamerasActive != 2 || *ov.EventsTotal != 10 || *ov.DetectionsTotal != 50 || ov.UptimeSeconds != nil {
		t.Fatalf("overview = %+v", ov)
	}
	tp := s.Inference.Throughput
	if tp == nil || tp.Source != "sql" || *tp.ImagesPerMin != 29.0/5 || *tp.EventsPerMin != 4.0/5 {
		t.Fatalf("throughput = %+v", tp)
	}

	// Between two ticks: N transactions, an idle-in-transaction session and an active query.
	const n = 40
	for i := 0; i < n; i++ {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO events (started_at) VALUES (now())`); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
		t.Fatal(err)
	}
	idle := pgConnect(t, dsn)
	idleTx, err := idle.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer idleTx.Rollback(ctx)
	if _, err := idleTx.Exec(ctx, `SELECT 1`); err != nil {
		t.Fatal(err)
	}
	sleepCtx, stopSleep := context.WithCancel(ctx)
	sleeper := pgConnect(t, dsn)
	sleepDone := make(chan struct{})
	go func() { defer close(sleepDone); sleeper.Exec(sleepCtx, `SELECT pg_sleep(60)`) }()
	if r := eventually(100, 50*time.Millisecond, func() string {
		var k int
		conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'`).Scan(&k)
		if k == 0 {
			return "pg_sleep not active yet"
		}
		return ""
	}); r != "" {
		t.Fatal(r)
	}

	clk.add(time.Minute)
	s = eng.Tick(ctx)
	stopSleep()
	<-sleepDone
	pg = s.Databases.PostgreSQL
	t.Logf("tx/min %v after %d transactions, cache hit %v%%, active %v", *pg.TransactionsPerMin, n+1, *pg.CacheHitRatio, *pg.ConnectionsActive)
	// The delta holds the test's n transactions and the flush call, plus the other
	// sessions' few and any autovacuum work whose statistics landed in between; hsi-top's
	// own statements (the ping, the statistics and table reads: six here) are not in it.
	if pg.TransactionsPerMin == nil || *pg.TransactionsPerMin < n+1 || *pg.TransactionsPerMin > n+1+5 {
		t.Fatalf("tx/min = %v, want between %d and %d", pg.TransactionsPerMin, n+1, n+6)
	}
	if *pg.ConnectionsActive < 1 {
		t.Fatalf("active connections = %d while pg_sleep runs", *pg.ConnectionsActive)
	}
	if pg.LongestTxSeconds == nil || *pg.LongestTxSeconds <= 0 {
		t.Fatalf("longest transaction = %v with a session idle in transaction", pg.LongestTxSeconds)
	}
	if *s.Overview.EventsTotal != 10+n || *s.Inference.Throughput.EventsPerMin != float64(4+n)/5 {
		t.Fatalf("events = %d, throughput %+v", *s.Overview.EventsTotal, s.Inference.Throughput)
	}
	if s.Databases.PostgreSQL.ConnectionsTotal == nil || *s.Databases.PostgreSQL.ConnectionsTotal < 4 {
		t.Fatalf("total connections = %v", s.Databases.PostgreSQL.ConnectionsTotal)
	}
}

func TestPostgresPoolSizeAndMissingTables(t *testing.T) {
	dsn, conn := pgTestDB(t, testenv.PostgresDSN(t))
	ctx := context.Background()
	// detections without its timestamp column: the total is known, the rate is not.
	if _, err := conn.Exec(ctx, `CREATE TABLE detections (id int); INSERT INTO detections VALUES (1), (2)`); err != nil {
		t.Fatal(err)
	}
	src := postgresSource(dsn, 20, 2*time.Second)
	eng := newTestEngine(t, nil, src)
	s := eng.Tick(ctx)
	pg := s.Databases.PostgreSQL
	if !Fresh(s, "postgres") || *pg.ConnectionsMax != 20 || pg.ConnectionsMaxSource != "configured pool size" {
		t.Fatalf("postgres = %+v", pg)
	}
	if s.Overview.Source != "sql" || s.Overview.CamerasTotal != nil || s.Overview.EventsTotal != nil || *s.Overview.DetectionsTotal != 2 {
		t.Fatalf("overview = %+v", s.Overview)
	}
	if s.Inference.Throughput != nil || s.Inference.Errors[snapshot.PartThroughput] != "no source configured (prometheus, postgres)" &&
		s.Inference.Errors[snapshot.PartThroughput] != "postgres: no data" {
		t.Fatalf("throughput = %+v, reason %q", s.Inference.Throughput, s.Inference.Errors[snapshot.PartThroughput])
	}
	// The session is read-only: hsi-top cannot write even by mistake.
	c, err := src.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	var appName, readOnly string
	c.QueryRow(ctx, `SELECT current_setting('application_name'), current_setting('default_transaction_read_only')`).Scan(&appName, &readOnly)
	if appName != "hsi-top" || readOnly != "on" {
		t.Fatalf("application_name %q, read-only %q", appName, readOnly)
	}
	if _, err := c.Exec(ctx, `INSERT INTO detections VALUES (3)`); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a write must fail: %v", err)
	}
}

func TestPostgresFault(t *testing.T) {
	dsn := testenv.PostgresFaultDSN(t)
	src := postgresSource(dsn, 0, 2*time.Second)
	eng := newTestEngine(t, nil, src)
	ctx := context.Background()
	if s := eng.Tick(ctx); !Fresh(s, "postgres") {
		t.Fatalf("not fresh before the fault: %+v", s.Sources)
	}
	testenv.StopServer(t, "pgfault")
	stopped := true
	t.Cleanup(func() {
		if stopped {
			testenv.StartServer(t, "pgfault")
		}
	})
	var s *snapshot.Snapshot
	for range 2 { // the first tick may see the broken pooled connection, the next a refusal
		s = eng.Tick(ctx)
	}
	pg := s.Databases.PostgreSQL
	// The one stale policy: the last values stay (the views dim them by the source's
	// age), the card says unreachable because the server refused, and why.
	if Fresh(s, "postgres") || pg.Status != "unreachable" || !strings.Contains(pg.Error, "connection refused") ||
		pg.ConnectionsActive == nil || pg.ConnectionsMax == nil {
		t.Fatalf("postgres while down = %+v", pg)
	}
	testenv.StartServer(t, "pgfault")
	stopped = false
	if r := eventually(10, 200*time.Millisecond, func() string {
		s = eng.Tick(ctx)
		if !Fresh(s, "postgres") {
			return s.Databases.PostgreSQL.Error
		}
		return ""
	}); r != "" {
		t.Fatalf("did not recover: %s", r)
	}
	if s.Databases.PostgreSQL.Status != "healthy" || s.Databases.PostgreSQL.TransactionsPerMin == nil {
		// The counter is back after the restart (shutdown immediate keeps no statistics), so
		// a reset is detected and the rate is unknown once, then known again.
		s = eng.Tick(ctx)
	}
	if s.Databases.PostgreSQL.Status != "healthy" {
		t.Fatalf("after recovery = %+v", s.Databases.PostgreSQL)
	}
}

func BenchmarkPostgresCollect(b *testing.B) {
	dsn := testenv.PostgresDSN(b)
	src := postgresSource(dsn, 0, 2*time.Second)
	defer src.Close()
	ctx := context.Background()
	if _, err := src.Collect(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Collect(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// The table counts and the database size are read at most every SlowEvery: rows added
// in between show only once that period has passed, so hsi-top never scans the
// detections table every second.
func TestPostgresSlowReadsCached(t *testing.T) {
	dsn, conn := pgTestDB(t, testenv.PostgresDSN(t))
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `CREATE TABLE detections (id serial PRIMARY KEY, detected_at timestamptz DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	clk := &clockFunc{t: time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)}
	src := postgresSource(dsn, 0, 2*time.Second)
	defer src.Close()
	src.Now, src.SlowEvery = clk.now, 30*time.Second
	eng := newTestEngine(t, nil, src)
	detections := func() int64 {
		t.Helper()
		s := eng.Tick(ctx)
		if s.Overview.DetectionsTotal == nil || s.Databases.PostgreSQL.DatabaseSizeBytes == nil {
			t.Fatalf("overview %+v, size %v", s.Overview, s.Databases.PostgreSQL.DatabaseSizeBytes)
		}
		return *s.Overview.DetectionsTotal
	}
	if n := detections(); n != 0 {
		t.Fatalf("detections = %d, want 0", n)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO detections DEFAULT VALUES`); err != nil {
		t.Fatal(err)
	}
	clk.add(29 * time.Second)
	if n := detections(); n != 0 {
		t.Errorf("within SlowEvery: detections = %d, want the cached 0", n)
	}
	clk.add(time.Second)
	if n := detections(); n != 1 {
		t.Errorf("after SlowEvery: detections = %d, want 1", n)
	}
}

// On a database nobody else uses, hsi-top's own statements do not show as load: the
// transaction rate stays near zero however many statements each collection sends.
func TestPostgresOwnStatementsNotCounted(t *testing.T) {
	dsn, conn := pgTestDB(t, testenv.PostgresDSN(t))
	conn.Close(context.Background())
	clk := &clockFunc{t: time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)}
	src := postgresSource(dsn, 0, 2*time.Second)
	defer src.Close()
	src.Now = clk.now
	eng := newTestEngine(t, nil, src)
	ctx := context.Background()
	eng.Tick(ctx)
	var rates []float64
	for i := 0; i < 3; i++ {
		clk.add(time.Second)
		s := eng.Tick(ctx)
		if r := s.Databases.PostgreSQL.TransactionsPerMin; r != nil {
			rates = append(rates, *r)
		}
	}
	if len(rates) != 3 {
		t.Fatalf("rates = %v", rates)
	}
	t.Logf("tx/min on an idle database: %v", rates)
	for _, r := range rates {
		// Each collection sends at least two statements: 120/min if they were counted.
		if r > 30 {
			t.Errorf("tx/min = %v on an idle database: hsi-top counts itself (all: %v)", r, rates)
		}
	}
}
