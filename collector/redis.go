package collector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/rawio"
	"github.com/hsi-top/hsi-top/snapshot"
)

// silentRedisLogger drops go-redis's log lines: they would write over the terminal UI,
// and every failure already reaches the user as this source's error.
type silentRedisLogger struct{}

func (silentRedisLogger) Printf(context.Context, string, ...any) {}

var silenceRedis sync.Once

// Queue keys, in order of preference: newer stacks prefix them with hsi:queue:. Redis
// deletes an empty list, so a key that exists is the one the stack uses.
var (
	detectionQueueKeys = []string{"hsi:queue:detection_queue", "hsi:queue:detection", "detection_queue"}
	analysisQueueKeys  = []string{"hsi:queue:analysis_queue", "hsi:queue:analysis", "analysis_queue"}
)

// Latency lists (floats in ms, newest last, at most maxLatencySamples).
const (
	redisDetectLatencyKey   = "telemetry:latency:detect"
	redisAnalyzeLatencyKey  = "telemetry:latency:analyze"
	redisPipelineLatencyKey = "telemetry:latency:total"
)

// maxLatencySamples is how many of a latency list's newest samples are read: the stack
// trims each list to 1,000, so a longer one is a stack fault, and reading it whole
// would cost memory and time in proportion to its length.
const maxLatencySamples = 1000

var latencyKeys = []string{redisDetectLatencyKey, redisAnalyzeLatencyKey, redisPipelineLatencyKey}

// RedisSource reads the stack's Redis: INFO, the queue depths, the latency lists and
// PING.
//
// Redis counts every read of a key (LLEN, LRANGE, TYPE, EXISTS, OBJECT, SCAN … TYPE, a
// Lua script's calls) in keyspace_hits or keyspace_misses, so reading the queues would
// move the hit ratio hsi-top reports, and every other hsi-top on the same Redis would
// see the first one's reads as traffic. MEMORY USAGE is not counted (checked against
// Redis 7 by TestRedisCommandsKeyspaceCounters): hsi-top asks it first which keys exist
// and then reads only those, so it never causes a miss. What remains are the hits of
// LLEN and LRANGE on keys that exist (no uncounted command reads a list's length or
// contents); this source subtracts its own, which it knows exactly from the replies.
// Another hsi-top's reads of existing keys can therefore only raise the ratio, never
// lower it: on an idle Redis without those keys it stays unknown.
//
// The hit ratio is over the interval between two collections, unknown with no lookups
// in between.
type RedisSource struct {
	client   *redis.Client
	initErr  error
	password string
	timeout  time.Duration // for a Collect whose context has no deadline
	conns    *redisConns

	mu   sync.Mutex
	prev *redisCounters
}

type redisCounters struct {
	hits, misses       int64
	ownHits, ownMisses int64 // lookups this source made after reading the counters
}

// NewRedisSource returns a source for the Redis of cfg (url redis://host:port/db; a
// non-empty password overrides the URL's) whose collections end with their context's
// deadline (t.Request for a context without one; dialling takes at most t.Request).
// Nothing connects until the first Collect.
func NewRedisSource(cfg config.RedisConfig, t Timeouts) *RedisSource {
	rawURL, password, timeout := cfg.URL.Value(), cfg.Password.Value(), t.Request
	silenceRedis.Do(func() { redis.SetLogger(silentRedisLogger{}) })
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return &RedisSource{initErr: fmt.Errorf("redis URL: %s", scrubSecret(err.Error(), urlPassword(rawURL), password))}
	}
	if password != "" {
		opts.Password = password
	}
	// One collection at a time, one command at a time: one connection, and buffers the
	// size of an INFO answer (go-redis reads a longer reply past its buffer) instead of
	// 32 KiB each way.
	opts.PoolSize = 1
	opts.ReadBufferSize, opts.WriteBufferSize = 8<<10, 4<<10
	opts.MinIdleConns = 0
	opts.MaxRetries = -1 // a retry would only push the answer past the tick's deadline
	opts.DialTimeout = timeout
	// No read or write deadline per command: go-redis would arm two timers on the
	// connection for every command, which then fire in the idle part of the second
	// between two ticks and wake the whole program (one extra wake-up burst a second,
	// measured). A collection past its context's deadline closes the connections
	// instead (Collect, redisConns).
	opts.ReadTimeout, opts.WriteTimeout = -2, -2
	conns := &redisConns{dial: redis.NewDialer(opts), open: map[*redisConn]struct{}{}}
	opts.Dialer = conns.dialContext
	opts.DisableIdentity = true // no CLIENT SETINFO: older servers answer it with an error
	opts.Protocol = 2
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return &RedisSource{client: redis.NewClient(opts), password: opts.Password, timeout: timeout, conns: conns}
}

// redisConns are the source's open connections, so that a collection that outlives its
// context can cut a Redis that stopped answering off: closing a connection ends the
// read blocked on it, and go-redis drops it from its pool and dials again next time.
type redisConns struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu   sync.Mutex
	open map[*redisConn]struct{}
}

// redisConn is one open connection; closing it forgets it.
type redisConn struct {
	net.Conn
	owner *redisConns
}

func (c *redisConn) Close() error {
	c.owner.mu.Lock()
	delete(c.owner.open, c)
	c.owner.mu.Unlock()
	return c.Conn.Close()
}

func (cs *redisConns) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	nc, err := cs.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c := &redisConn{Conn: rawio.Wrap(nc), owner: cs}
	cs.mu.Lock()
	cs.open[c] = struct{}{}
	cs.mu.Unlock()
	return c, nil
}

// closeAll closes every open connection.
func (cs *redisConns) closeAll() {
	cs.mu.Lock()
	open := cs.open
	cs.open = map[*redisConn]struct{}{}
	cs.mu.Unlock()
	for c := range open {
		c.Conn.Close()
	}
}

// Name returns "redis".
func (r *RedisSource) Name() snapshot.SourceName { return snapshot.SourceRedis }

// Close closes the connection pool.
func (r *RedisSource) Close() error {
	if r.client == nil {
		return nil
	}
	return r.client.Close()
}

// redisRead is what one collection read, before it becomes the card and the parts.
type redisRead struct {
	info      RedisInfo
	ping      float64
	queues    snapshot.Queues
	latencies [3]*snapshot.Latency
	own       redisCounters // lookups made after INFO (hits and misses only)
}

// Collect pings Redis, then reads INFO with the keys' existence (one pipeline, no
// lookups), then the queues and latency lists that exist (a second pipeline).
//
// The commands carry no deadline of their own: when ctx ends first (the engine's
// per-source deadline), the connections are closed, which ends them. A ctx without a
// deadline gets the source's request timeout.
func (r *RedisSource) Collect(ctx context.Context) (Result, error) {
	if r.initErr != nil {
		return Result{}, r.initErr
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
		defer cancel()
	}
	stop := context.AfterFunc(ctx, r.conns.closeAll)
	defer stop()
	begin := time.Now()
	if err := r.client.Ping(ctx).Err(); err != nil {
		return Result{}, r.wrap("PING", orContext(ctx, err))
	}
	var rd redisRead
	rd.ping = float64(time.Since(begin).Microseconds()) / 1000
	present, err := r.readInfo(ctx, &rd)
	if err != nil {
		return Result{}, err
	}
	r.readKeys(ctx, present, &rd)
	card := rd.card(r.hitRatio(rd))
	queues := rd.queues
	return Result{Via: snapshot.ViaRedis, Readings: Readings{
		Redis:     &card,
		Inference: InferenceReadings{Detect: rd.latencies[0], Analyze: rd.latencies[1], Pipeline: rd.latencies[2], Queues: &queues},
	}}, nil
}

// readInfo runs INFO and MEMORY USAGE of every key hsi-top reads, none of which Redis
// counts as a lookup, and returns which keys exist. A failed INFO fails the source; a
// failed MEMORY USAGE (renamed by the server's config) marks the key present, so it is
// read as before.
func (r *RedisSource) readInfo(ctx context.Context, rd *redisRead) (map[string]bool, error) {
	keys := append(append(append([]string{}, detectionQueueKeys...), analysisQueueKeys...), latencyKeys...)
	pipe := r.client.Pipeline()
	info := pipe.Info(ctx)
	usage := make([]*redis.IntCmd, len(keys))
	for i, k := range keys {
		usage[i] = pipe.MemoryUsage(ctx, k)
	}
	_, _ = pipe.Exec(ctx)
	text, err := info.Result()
	if err != nil {
		return nil, r.wrap("INFO", orContext(ctx, err))
	}
	rd.info = ParseRedisInfo(text)
	present := map[string]bool{}
	for i, c := range usage {
		if !errors.Is(c.Err(), redis.Nil) {
			present[keys[i]] = true
		}
	}
	return present, nil
}

// readKeys reads the depth of every queue key and the newest samples of every latency
// list that exist, and records the lookups it made.
func (r *RedisSource) readKeys(ctx context.Context, present map[string]bool, rd *redisRead) {
	pipe := r.client.Pipeline()
	llen := map[string]*redis.IntCmd{}
	for _, k := range append(append([]string{}, detectionQueueKeys...), analysisQueueKeys...) {
		if present[k] {
			llen[k] = pipe.LLen(ctx, k)
		}
	}
	lrange := map[string]*redis.StringSliceCmd{}
	for _, k := range latencyKeys {
		if present[k] {
			// One more than the cap tells a list longer than the stack keeps.
			lrange[k] = pipe.LRange(ctx, k, -(maxLatencySamples + 1), -1)
		}
	}
	if len(llen)+len(lrange) > 0 {
		_, _ = pipe.Exec(ctx) // per-command errors (WRONGTYPE) are read below
	}
	rd.queues = snapshot.Queues{Source: snapshot.ViaRedis}
	depths := map[string]queueDepth{}
	for k, c := range llen {
		n, err := c.Result()
		rd.own.count(n > 0, err)
		depths[k] = queueDepth{n: n, err: err}
	}
	rd.queues.Detection, rd.queues.DetectionKey = sumQueues(detectionQueueKeys, depths)
	rd.queues.Analysis, rd.queues.AnalysisKey = sumQueues(analysisQueueKeys, depths)
	for i, k := range latencyKeys {
		if c := lrange[k]; c != nil {
			items, err := c.Result()
			rd.own.count(len(items) > 0, err)
			if err == nil {
				rd.latencies[i] = latencyFromSamples(k, items)
			}
		}
	}
}

// count records one lookup by its reply: a key that exists (or holds another type) is a
// hit, an empty answer a miss (the key vanished between the two pipelines).
func (c *redisCounters) count(exists bool, err error) {
	if err == nil && !exists {
		c.ownMisses++
	} else if err == nil || isWrongType(err) {
		c.ownHits++
	}
}

// queueDepth is one queue key's LLEN reply.
type queueDepth struct {
	n   int64
	err error
}

// sumQueues adds the depths of every key of one queue that holds items (a stack in the
// middle of a migration fills both the plain and the prefixed key) and names them,
// joined by "+". With none, the queue is empty (Redis deletes empty lists) and the
// plain name is reported; a failed read (other than a key of another type) is unknown.
func sumQueues(keys []string, depths map[string]queueDepth) (*int64, string) {
	var total int64
	var names []string
	for _, k := range keys {
		d, ok := depths[k]
		if !ok || isWrongType(d.err) {
			continue
		}
		if d.err != nil {
			return nil, ""
		}
		if d.n > 0 {
			total += d.n
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		return snapshot.I(0), keys[len(keys)-1]
	}
	return snapshot.I(total), strings.Join(names, "+")
}

// latencyFromSamples summarises at most maxLatencySamples newest samples of a list
// read with one extra entry, noting when the list is longer than the stack keeps.
func latencyFromSamples(key string, items []string) *snapshot.Latency {
	note := ""
	if len(items) > maxLatencySamples {
		items = items[len(items)-maxLatencySamples:]
		note = fmt.Sprintf("%s holds more than %d samples (the stack keeps at most %d): the newest %d are used",
			key, maxLatencySamples, maxLatencySamples, maxLatencySamples)
	}
	sum, ok := SummarizeLatency(ParseLatencySamples(items))
	if !ok {
		return nil
	}
	return &snapshot.Latency{
		Avg: snapshot.F(sum.Avg), P95: snapshot.F(sum.P95),
		P99: snapshot.F(sum.P99), Samples: snapshot.I(int64(sum.Count)),
		Source: snapshot.ViaRedis, Note: note,
	}
}

// hitRatio is the hit ratio since the previous collection, less the lookups this
// source made in between, or why it is unknown; it stores this collection's counters
// for the next one.
func (r *RedisSource) hitRatio(rd redisRead) (ratio *float64, note string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	hits, misses := rd.info.KeyspaceHits, rd.info.KeyspaceMisses
	if hits == nil || misses == nil {
		r.prev = nil
		return nil, snapshot.HitRatioNoCounters
	}
	note = snapshot.HitRatioFirstSample
	if p := r.prev; p != nil {
		if v, ok := HitRatio(p.hits, p.misses, *hits, *misses, p.ownHits, p.ownMisses); ok {
			ratio, note = snapshot.F(v), ""
		} else if *hits < p.hits || *misses < p.misses {
			note = snapshot.HitRatioCountersReset
		} else {
			note = snapshot.HitRatioNoLookups
		}
	}
	cur := rd.own
	cur.hits, cur.misses = *hits, *misses
	r.prev = &cur
	return ratio, note
}

// card is the Redis card of one collection.
func (rd redisRead) card(hitRatio *float64, hitRatioNote string) snapshot.Redis {
	card := snapshot.Redis{
		Status:           snapshot.StatusHealthy,
		ConnectedClients: rd.info.ConnectedClients,
		BlockedClients:   rd.info.BlockedClients,
		EvictedKeys:      rd.info.EvictedKeys,
		OpsPerSecond:     rd.info.OpsPerSec,
		Version:          rd.info.Version,
		PingMS:           snapshot.F(rd.ping),
		HitRatio:         hitRatio,
		HitRatioNote:     hitRatioNote,
		MemoryUsedBytes:  rd.info.UsedMemory,
		MaxMemoryBytes:   rd.info.MaxMemory,
	}
	return card
}

func isWrongType(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE")
}

// wrap names the command and keeps any password out of the message.
func (r *RedisSource) wrap(cmd string, err error) error {
	msg := ShortError(err)
	if errors.Is(err, redis.ErrClosed) {
		msg = "client closed"
	}
	return fmt.Errorf("redis %s: %s", cmd, scrubSecret(msg, r.password))
}

// orContext is ctx's error when ctx has ended (the connection was closed because of it:
// the closed connection's error would not say why), err otherwise.
func orContext(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

// scrubSecret replaces every occurrence of the given secrets in msg with "***".
func scrubSecret(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 3 { // a one- or two-letter secret would mangle ordinary words
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}
