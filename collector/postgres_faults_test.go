package collector

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

// TestPostgresConnectionAlertCountsIdle: with 45 of the server's 50 connections open and
// idle, pg_connections fires (90 % of max_connections is past the 80 % warning). Before,
// the rule compared only the active ones (none) and stayed quiet while the pool ran out.
// The fault server is used: no other package's test opens connections to it.
func TestPostgresConnectionAlertCountsIdle(t *testing.T) {
	dsn := testenv.PostgresFaultDSN(t)
	ctx := context.Background()
	const idle = 43 // with hsi-top's own one or two: 44–45 open
	for range idle {
		pgConnect(t, dsn)
	}
	al := alerts.NewEngine(config.DefaultAlerts(), alerts.Options{})
	t.Cleanup(func() { al.Close() })
	eng := newTestEngine(t, []Stage{al}, postgresSource(dsn, 0, 2*time.Second))
	s := eng.Tick(ctx)
	pg := s.Databases.PostgreSQL
	if !Fresh(s, "postgres") || pg.ConnectionsTotal == nil || *pg.ConnectionsTotal < idle+1 || *pg.ConnectionsMax != 50 {
		t.Fatalf("postgres = %+v, sources %+v", pg, s.Sources)
	}
	if *pg.ConnectionsActive > 2 {
		t.Fatalf("active = %d: the %d sessions are idle", *pg.ConnectionsActive, idle)
	}
	var got *snapshot.Alert
	for i := range s.Alerts {
		if s.Alerts[i].Metric == "pg_connections" {
			got = &s.Alerts[i]
		}
	}
	if got == nil || got.Severity != snapshot.SeverityWarning || got.Value < 88 {
		t.Fatalf("alerts = %+v, want pg_connections warning at ≥ 88 %% (%d/%d open)", s.Alerts, *pg.ConnectionsTotal, *pg.ConnectionsMax)
	}
	t.Logf("%s (active %d)", got.Message, *pg.ConnectionsActive)
}

// TestPostgresThroughputIgnoresFutureRows: rows dated in the future are not "in the last
// five minutes" (before: 3 recent + 5 future detections read as 8/5 per minute).
func TestPostgresThroughputIgnoresFutureRows(t *testing.T) {
	dsn, conn := pgTestDB(t, testenv.PostgresDSN(t))
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE detections (id serial PRIMARY KEY, detected_at timestamptz)`,
		`CREATE TABLE events (id serial PRIMARY KEY, started_at timestamptz)`,
		`INSERT INTO detections (detected_at) SELECT now() - make_interval(mins => g) FROM generate_series(1, 3) g`,
		`INSERT INTO detections (detected_at) SELECT now() + make_interval(hours => g) FROM generate_series(1, 5) g`,
		`INSERT INTO events (started_at) VALUES (now() - interval '1 minute'), (now() + interval '1 day')`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	eng := newTestEngine(t, nil, postgresSource(dsn, 0, 2*time.Second))
	s := eng.Tick(ctx)
	tp := s.Inference.Throughput
	if tp == nil || *tp.ImagesPerMin != 3.0/5 || *tp.EventsPerMin != 1.0/5 {
		t.Fatalf("throughput = %+v, want 0.6 images and 0.2 events a minute", tp)
	}
	if *s.Overview.DetectionsTotal != 8 {
		t.Fatalf("detections total = %d, want all 8", *s.Overview.DetectionsTotal)
	}
}

// TestPostgresTableLockFailsCountsAlone is issue 10's LOCK TABLE detections, events,
// cameras IN ACCESS EXCLUSIVE MODE held across collections: the counts fail alone with
// the reason, and the card (connections, cache hit, transactions) stays fresh. Before,
// the counts waited on the lock until the source missed its deadline: the whole card
// read "unreachable: timed out".
func TestPostgresTableLockFailsCountsAlone(t *testing.T) {
	dsn, conn := pgTestDB(t, testenv.PostgresDSN(t))
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE cameras (id serial PRIMARY KEY, status text)`,
		`CREATE TABLE events (id serial PRIMARY KEY, started_at timestamptz)`,
		`CREATE TABLE detections (id serial PRIMARY KEY, detected_at timestamptz)`,
		`INSERT INTO cameras (status) VALUES ('online')`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	clk := &clockFunc{t: time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)}
	src := postgresSource(dsn, 0, 2*time.Second)
	src.Now = clk.now
	eng := newTestEngine(t, nil, src)
	if s := eng.Tick(ctx); *s.Overview.CamerasTotal != 1 {
		t.Fatalf("before the lock: overview = %+v", s.Overview)
	}
	locker := pgConnect(t, dsn)
	tx, err := locker.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE detections, events, cameras IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		clk.add(5 * time.Second)
		s := eng.Tick(ctx)
		pg := s.Databases.PostgreSQL
		st, _ := s.Source("postgres")
		if !st.OK || pg.Status != snapshot.StatusHealthy || pg.ConnectionsTotal == nil || pg.CacheHitRatio == nil || pg.TransactionsPerMin == nil {
			t.Fatalf("tick %d under the lock: source %+v, card %+v", i, st, pg)
		}
		if st.DurationMS > 1500 {
			t.Fatalf("tick %d: the collection took %.0f ms under the lock", i, st.DurationMS)
		}
		reason := s.Inference.Errors[snapshot.PartThroughput]
		if s.Inference.Throughput != nil || !strings.Contains(reason, "lock timeout") {
			t.Fatalf("tick %d: throughput %+v, reason %q", i, s.Inference.Throughput, reason)
		}
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	clk.add(5 * time.Second)
	if s := eng.Tick(ctx); s.Inference.Throughput == nil || *s.Overview.CamerasTotal != 1 {
		t.Fatalf("after the lock: throughput %+v, overview %+v", s.Inference.Throughput, s.Overview)
	}
}
