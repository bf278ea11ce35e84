package collector

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/rawio"
	"github.com/hsi-top/hsi-top/snapshot"
)

// PostgresSource reads the stack's PostgreSQL with one long-lived pool of at most two
// connections. Every session is read-only (default_transaction_read_only), named
// hsi-top (application_name) and bounded by statement_timeout; every query also carries
// the tick's deadline.
//
// Per collection: SELECT 1 (its latency feeds the postgres container row), one statistics
// query (connections, max_connections, cache hits, transaction counter, database size,
// longest transaction, which of the stack's tables exist) and, for the tables that exist,
// their counts (the overview fallback) and their rows of the last five minutes (the
// throughput fallback).
type PostgresSource struct {
	pool     *pgxpool.Pool
	initErr  error
	password string
	poolSize int
	timeout  time.Duration // the source's deadline per collection
	// Now is the clock for the transaction-rate denominator; time.Now when nil.
	Now func() time.Time
	// SlowEvery is how often the expensive reads run: the table counts (count(*) of
	// detections scans a table that grows by millions of rows) and pg_database_size
	// (which stats every file of the database). In between, their last answer is reused,
	// so hsi-top never loads the database it watches. Zero reads them every collection.
	SlowEvery time.Duration

	// own counts the statements hsi-top sent: each is a transaction of its own that
	// xact_commit/xact_rollback count too, and the rate must not show them.
	own atomic.Int64

	mu     sync.Mutex
	prev   *xactSample
	slow   *pgSlow // the last expensive reads, reused within SlowEvery
	slowAt time.Time
}

// pgSlow are the reads that run at most every SlowEvery.
type pgSlow struct {
	tables pgTables
	dbSize *int64
}

// xactSample is the cumulative transaction counter at one instant.
type xactSample struct {
	xacts      int64
	own        int64 // hsi-top's own statements included in xacts
	at         time.Time
	statsReset time.Time
}

// NewPostgresSource returns a source for the PostgreSQL of cfg (dsn: a postgres:// URL
// or key=value string; pool_size, when above zero, is the connection limit shown
// instead of max_connections) whose statements never outlive t.Request. The expensive
// reads run every PGSlowEvery. Nothing connects until the first Collect.
func NewPostgresSource(cfg config.PostgresConfig, t Timeouts) *PostgresSource {
	dsn, poolSize, timeout := config.NormalizeDSN(cfg.DSN.Value()), cfg.PoolSize, t.Request
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		msg := scrubSecret(err.Error(), urlPassword(dsn)) // pgconn redacts its own copy of the DSN
		return &PostgresSource{initErr: fmt.Errorf("postgres DSN %s is invalid: %s", config.RedactURL(dsn), msg)}
	}
	// One statement is one transaction (the simple protocol prepares nothing, so the
	// server counts exactly the statements sent), and no liveness ping on acquire adds
	// uncounted ones; a broken connection fails its query and is replaced.
	pcfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	pcfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pcfg.MaxConns = 2
	pcfg.MinConns = 0
	pcfg.HealthCheckPeriod = time.Minute
	pcfg.MaxConnIdleTime = 5 * time.Minute
	pcfg.ConnConfig.ConnectTimeout = timeout
	pcfg.ConnConfig.DialFunc = rawio.Dialer(pcfg.ConnConfig.DialFunc)
	rp := pcfg.ConnConfig.RuntimeParams
	rp["application_name"] = "hsi-top"
	// A statement stops well inside the source's deadline, so a slow count(*) is a note
	// on that part, not a late source.
	rp["statement_timeout"] = strconv.FormatInt(max(1, (timeout*8/10).Milliseconds()), 10)
	rp["default_transaction_read_only"] = "on"
	// A statement waiting on a table lock (LOCK TABLE … IN ACCESS EXCLUSIVE MODE, a
	// migration) gives up quickly: only that count fails, with the reason.
	rp["lock_timeout"] = strconv.FormatInt(pgLockTimeout(timeout).Milliseconds(), 10)
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		return &PostgresSource{initErr: fmt.Errorf("postgres pool: %s", scrubSecret(err.Error(), pcfg.ConnConfig.Password))}
	}
	return &PostgresSource{pool: pool, password: pcfg.ConnConfig.Password, poolSize: poolSize, timeout: timeout, SlowEvery: PGSlowEvery}
}

// pgLockTimeout is how long a statement waits for a lock: a tenth of the source's
// deadline (at least 50 ms), so the three counts together stay well inside it.
func pgLockTimeout(timeout time.Duration) time.Duration {
	return max(50*time.Millisecond, timeout/10)
}

// slowBudget is the part of the source's deadline the counts and the database size may
// use: half of it, so the connection and cache numbers read before them always arrive.
func (p *PostgresSource) slowBudget() time.Duration {
	if p.timeout <= 0 {
		return time.Second
	}
	return p.timeout / 2
}

// Name returns "postgres".
func (p *PostgresSource) Name() snapshot.SourceName { return snapshot.SourcePostgres }

// Close closes the pool.
func (p *PostgresSource) Close() error {
	if p.pool != nil {
		p.pool.Close()
	}
	return nil
}

// pgStats is one row of the statistics query.
type pgStats struct {
	own                      int64 // hsi-top's own statements before this read
	active, total, maxConns  int64
	blksHit, blksRead, xacts int64
	longestTx                *float64
	statsReset               *time.Time
	hasCameras, hasEvents    bool
	hasDetections            bool
}

const pgStatsQuery = `SELECT
  (SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()),
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
  current_setting('max_connections')::bigint,
  d.blks_hit, d.blks_read, d.xact_commit + d.xact_rollback,
  (SELECT extract(epoch FROM max(clock_timestamp() - xact_start))::float8 FROM pg_stat_activity
     WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend'),
  d.stats_reset,
  to_regclass('cameras') IS NOT NULL, to_regclass('events') IS NOT NULL, to_regclass('detections') IS NOT NULL
FROM pg_stat_database d WHERE d.datname = current_database()`

// pgTables are the stack's tables as seen by the fallback queries; nil counts are unknown.
type pgTables struct {
	cameras, camerasOnline, events, detections *int64
	events5m, detections5m                     *int64
	err                                        string // first failure other than a missing table or column
	// has* record which tables existed when these counts were read.
	hasCameras, hasEvents, hasDetections bool
}

// same reports whether the counts were read with the tables st sees.
func (t pgTables) same(st pgStats) bool {
	return t.hasCameras == st.hasCameras && t.hasEvents == st.hasEvents && t.hasDetections == st.hasDetections
}

// Collect runs the per-tick queries.
func (p *PostgresSource) Collect(ctx context.Context) (Result, error) {
	if p.initErr != nil {
		return Result{}, p.initErr
	}
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return Result{}, p.wrap("connect", err)
	}
	defer conn.Release()
	begin := time.Now()
	if err := p.queryRow(ctx, conn, pingQuery(conn)).Scan(nil); err != nil {
		return Result{}, p.wrap("ping", err)
	}
	ping := float64(time.Since(begin).Microseconds()) / 1000

	var st pgStats
	// Every statement sent so far has committed and is in the counter this query reads;
	// the query itself is not.
	st.own = p.own.Load()
	if err := p.queryRow(ctx, conn, pgStatsQuery).Scan(&st.active, &st.total, &st.maxConns,
		&st.blksHit, &st.blksRead, &st.xacts, &st.longestTx, &st.statsReset,
		&st.hasCameras, &st.hasEvents, &st.hasDetections); err != nil {
		return Result{}, p.wrap("statistics", err)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	txpm := p.txRate(st, now())

	slow := p.slowReads(ctx, conn, st, now())
	tables := slow.tables

	card := snapshot.PostgreSQL{
		Status:             snapshot.StatusHealthy,
		ConnectionsActive:  snapshot.I(st.active),
		ConnectionsTotal:   snapshot.I(st.total),
		CacheHitRatio:      snapshot.Percent(float64(st.blksHit), float64(st.blksHit+st.blksRead)),
		TransactionsPerMin: txpm,
		DatabaseSizeBytes:  slow.dbSize,
		LongestTxSeconds:   st.longestTx,
		PingMS:             snapshot.F(ping),
	}
	if p.poolSize > 0 {
		card.ConnectionsMax, card.ConnectionsMaxSource = snapshot.I(int64(p.poolSize)), "configured pool size"
	} else {
		card.ConnectionsMax, card.ConnectionsMaxSource = snapshot.I(st.maxConns), "max_connections"
	}
	overview, throughput := tables.sections()
	res := Result{Via: snapshot.ViaSQL, Readings: Readings{
		Postgres: &card, Overview: overview, Inference: InferenceReadings{Throughput: throughput},
	}}
	if throughput == nil {
		res.Readings.note(string(snapshot.PartThroughput), tables.err)
	}
	return res, nil
}

// slowReads returns the table counts and the database size, read again only when the
// last read is older than SlowEvery (or the tables appeared or vanished since).
func (p *PostgresSource) slowReads(ctx context.Context, conn *pgxpool.Conn, st pgStats, now time.Time) pgSlow {
	p.mu.Lock()
	cached, at := p.slow, p.slowAt
	p.mu.Unlock()
	if cached != nil && now.Sub(at) < p.SlowEvery && cached.tables.same(st) {
		return *cached
	}
	ctx, cancel := context.WithTimeout(ctx, p.slowBudget())
	defer cancel()
	fresh := pgSlow{tables: p.readTables(ctx, conn, st)}
	var size int64
	if err := p.queryRow(ctx, conn, "SELECT pg_database_size(current_database())").Scan(&size); err == nil {
		fresh.dbSize = snapshot.I(size)
	}
	if fresh.tables.err != "" {
		return fresh // a failed count (a table lock) is asked again next collection
	}
	p.mu.Lock()
	p.slow, p.slowAt = &fresh, now
	p.mu.Unlock()
	return fresh
}

// txRate returns the transactions per minute since the previous collection: nil on the
// first one, after a counter reset (pg_stat_reset, a restart) or without time elapsed.
func (p *PostgresSource) txRate(st pgStats, at time.Time) *float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	cur := &xactSample{xacts: st.xacts, own: st.own, at: at}
	if st.statsReset != nil {
		cur.statsReset = *st.statsReset
	}
	prev := p.prev
	p.prev = cur
	if prev == nil {
		return nil
	}
	reset := !prev.statsReset.Equal(cur.statsReset) || cur.xacts < prev.xacts
	// The server may count a statement a little late (statistics are flushed at most
	// once a second); a window that then looks negative is zero.
	others := max(prev.xacts, cur.xacts-(cur.own-prev.own))
	return TxPerMinute(prev.xacts, others, cur.at.Sub(prev.at), reset)
}

// pingQuery is the liveness probe. On PostgreSQL 15+ it also asks the session to flush
// its statistics as soon as it is idle, which it is before the next statement: the
// counters read next then hold every statement hsi-top sent, so subtracting them is
// exact (older servers flush them within about a second instead).
func pingQuery(conn *pgxpool.Conn) string {
	version := conn.Conn().PgConn().ParameterStatus("server_version")
	if major, err := strconv.Atoi(strings.SplitN(version, ".", 2)[0]); err == nil && major >= 15 {
		return "SELECT pg_stat_force_next_flush()"
	}
	return "SELECT 1"
}

// queryRow sends one statement, counted as one of hsi-top's own transactions.
func (p *PostgresSource) queryRow(ctx context.Context, conn *pgxpool.Conn, sql string, args ...any) pgx.Row {
	p.own.Add(1)
	return conn.QueryRow(ctx, sql, args...)
}

// TxPerMinute scales the delta of the cumulative transaction counter over elapsed to a
// minute. It is nil when the counter was reset (it went backwards or stats_reset
// changed) or no time elapsed.
func TxPerMinute(prev, cur int64, elapsed time.Duration, reset bool) *float64 {
	if reset || cur < prev || elapsed <= 0 {
		return nil
	}
	return snapshot.F(float64(cur-prev) / elapsed.Seconds() * 60)
}

// readTables counts the stack's tables that exist. A missing table or column is not an
// error (an older schema); any other failure is kept as a note.
func (p *PostgresSource) readTables(ctx context.Context, conn *pgxpool.Conn, st pgStats) pgTables {
	t := pgTables{hasCameras: st.hasCameras, hasEvents: st.hasEvents, hasDetections: st.hasDetections}
	note := func(what string, err error) {
		if err != nil && !isUndefined(err) && t.err == "" {
			t.err = fmt.Sprintf("%s: %s", what, p.short(err))
		}
	}
	if st.hasCameras {
		var total, online int64
		err := p.queryRow(ctx, conn, `SELECT count(*), count(*) FILTER (WHERE status = 'online') FROM cameras`).Scan(&total, &online)
		if err != nil && isUndefined(err) { // no status column: the total is still known
			err = p.queryRow(ctx, conn, `SELECT count(*) FROM cameras`).Scan(&total)
		} else if err == nil {
			t.camerasOnline = snapshot.I(online)
		}
		if err == nil {
			t.cameras = snapshot.I(total)
		}
		note("cameras", err)
	}
	count := func(table, tsColumn string) (total, recent *int64) {
		var n, m int64
		err := p.queryRow(ctx, conn, recentCountQuery(table, tsColumn)).Scan(&n, &m)
		if err == nil {
			return snapshot.I(n), snapshot.I(m)
		}
		if isUndefined(err) { // no timestamp column: the total is still known
			if err = p.queryRow(ctx, conn, `SELECT count(*) FROM `+table).Scan(&n); err == nil {
				return snapshot.I(n), nil
			}
		}
		note(table, err)
		return nil, nil
	}
	if st.hasEvents {
		t.events, t.events5m = count("events", "started_at")
	}
	if st.hasDetections {
		t.detections, t.detections5m = count("detections", "detected_at")
	}
	return t
}

// recentCountQuery counts a table's rows and those of the last five minutes. The window
// is bounded on both sides: a row dated in the future (a camera with a wrong clock) is
// not "recent".
func recentCountQuery(table, tsColumn string) string {
	return `SELECT count(*), count(*) FILTER (WHERE ` + tsColumn + ` > now() - interval '5 minutes' AND ` +
		tsColumn + ` <= now()) FROM ` + table
}

// sections turns the table counts into the overview fallback and the throughput fallback.
func (t pgTables) sections() (*snapshot.Overview, *snapshot.Throughput) {
	var ov *snapshot.Overview
	if t.cameras != nil || t.events != nil || t.detections != nil {
		ov = &snapshot.Overview{
			CamerasTotal: t.cameras, CamerasActive: t.camerasOnline,
			EventsTotal: t.events, DetectionsTotal: t.detections,
			Source: snapshot.ViaSQL,
		}
	}
	var tp *snapshot.Throughput
	if t.detections5m != nil || t.events5m != nil {
		tp = &snapshot.Throughput{Source: snapshot.ViaSQL}
		if t.detections5m != nil {
			tp.ImagesPerMin = snapshot.F(float64(*t.detections5m) / 5)
		}
		if t.events5m != nil {
			tp.EventsPerMin = snapshot.F(float64(*t.events5m) / 5)
		}
	}
	return ov, tp
}

// isUndefined reports an undefined table (42P01) or column (42703).
func isUndefined(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "42P01" || pgErr.Code == "42703")
}

func (p *PostgresSource) wrap(what string, err error) error {
	return fmt.Errorf("postgres %s: %s", what, p.short(err))
}

// short gives the server's message for a PostgreSQL error and a few words for a network
// one, without the password.
func (p *PostgresSource) short(err error) string {
	var pgErr *pgconn.PgError
	msg := ""
	switch {
	case errors.As(err, &pgErr):
		msg = pgErr.Message
	case errors.Is(err, pgx.ErrNoRows):
		msg = "no row for the current database"
	case pgconn.Timeout(err):
		msg = "timeout"
	default:
		msg = ShortError(err)
	}
	return scrubSecret(msg, p.password)
}
