package collector

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

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

// Latency lists (floats in ms, newest last, at most 1000).
const (
	redisDetectLatencyKey   = "telemetry:latency:detect"
	redisAnalyzeLatencyKey  = "telemetry:latency:analyze"
	redisPipelineLatencyKey = "telemetry:latency:total"
)

// RedisSource reads the stack's Redis: INFO, the queue depths, the latency lists and
// PING. The hit ratio is over the interval between two collections (deltas of
// keyspace_hits/misses, less the lookups this source made itself), unknown with no
// lookups in between.
type RedisSource struct {
	client   *redis.Client
	initErr  error
	password string

	mu   sync.Mutex
	prev *redisCounters
}

type redisCounters struct {
	hits, misses       int64
	ownHits, ownMisses int64 // lookups this source made after reading the counters
}

// NewRedisSource returns a source for the Redis at rawURL (redis://host:port/db). A
// non-empty password overrides the URL's. Nothing connects until the first Collect.
func NewRedisSource(rawURL, password string, timeout time.Duration) *RedisSource {
	silenceRedis.Do(func() { redis.SetLogger(silentRedisLogger{}) })
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return &RedisSource{initErr: fmt.Errorf("redis URL: %s", scrubSecret(err.Error(), urlPassword(rawURL), password))}
	}
	if password != "" {
		opts.Password = password
	}
	opts.PoolSize = 2
	opts.MinIdleConns = 0
	opts.MaxRetries = -1 // a retry would only push the answer past the tick's deadline
	opts.DialTimeout = timeout
	opts.ReadTimeout = timeout
	opts.WriteTimeout = timeout
	opts.ContextTimeoutEnabled = true
	opts.DisableIdentity = true // no CLIENT SETINFO: older servers answer it with an error
	opts.Protocol = 2
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return &RedisSource{client: redis.NewClient(opts), password: opts.Password}
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

// Collect pings Redis, then reads INFO, the queues and the latency lists in one pipeline.
func (r *RedisSource) Collect(ctx context.Context) (Result, error) {
	if r.initErr != nil {
		return Result{}, r.initErr
	}
	begin := time.Now()
	if err := r.client.Ping(ctx).Err(); err != nil {
		return Result{}, r.wrap("PING", err)
	}
	ping := float64(time.Since(begin).Microseconds()) / 1000

	pipe := r.client.Pipeline()
	info := pipe.Info(ctx)
	det := make([]*redis.IntCmd, len(detectionQueueKeys))
	for i, k := range detectionQueueKeys {
		det[i] = pipe.LLen(ctx, k)
	}
	ana := make([]*redis.IntCmd, len(analysisQueueKeys))
	for i, k := range analysisQueueKeys {
		ana[i] = pipe.LLen(ctx, k)
	}
	lists := []*redis.StringSliceCmd{
		pipe.LRange(ctx, redisDetectLatencyKey, 0, -1),
		pipe.LRange(ctx, redisAnalyzeLatencyKey, 0, -1),
		pipe.LRange(ctx, redisPipelineLatencyKey, 0, -1),
	}
	// Per-command errors (WRONGTYPE on a key that is not a list) are read below; only a
	// failed INFO fails the source.
	_, _ = pipe.Exec(ctx)
	text, err := info.Result()
	if err != nil {
		return Result{}, r.wrap("INFO", err)
	}
	parsed := ParseRedisInfo(text)

	var own redisCounters
	lookup := func(exists bool, err error) {
		if err == nil && !exists {
			own.ownMisses++
		} else if err == nil || isWrongType(err) {
			own.ownHits++
		}
	}
	var q snapshot.Queues
	q.Source = snapshot.ViaRedis
	q.Detection, q.DetectionKey = pickQueue(det, detectionQueueKeys, lookup)
	q.Analysis, q.AnalysisKey = pickQueue(ana, analysisQueueKeys, lookup)
	var lats [3]*snapshot.Latency
	for i, c := range lists {
		items, err := c.Result()
		lookup(len(items) > 0, err)
		if err != nil {
			continue
		}
		if sum, ok := SummarizeLatency(ParseLatencySamples(items)); ok {
			lats[i] = &snapshot.Latency{
				Avg: snapshot.Round(snapshot.F(sum.Avg), 2), P95: snapshot.Round(snapshot.F(sum.P95), 2),
				P99: snapshot.Round(snapshot.F(sum.P99), 2), Samples: snapshot.I(int64(sum.Count)),
				Source: snapshot.ViaRedis,
			}
		}
	}

	card := snapshot.Redis{
		Status:           snapshot.StatusHealthy,
		ConnectedClients: parsed.ConnectedClients,
		BlockedClients:   parsed.BlockedClients,
		EvictedKeys:      parsed.EvictedKeys,
		OpsPerSecond:     parsed.OpsPerSec,
		Version:          parsed.Version,
		PingMS:           snapshot.Round(snapshot.F(ping), 3),
	}
	if parsed.UsedMemory != nil {
		card.MemoryMB = snapshot.Round(snapshot.F(float64(*parsed.UsedMemory)/snapshot.MiB), 2)
	}
	if parsed.MaxMemory != nil {
		card.MaxMemoryMB = snapshot.Round(snapshot.F(float64(*parsed.MaxMemory)/snapshot.MiB), 2)
	}
	r.mu.Lock()
	if parsed.KeyspaceHits != nil && parsed.KeyspaceMisses != nil {
		if p := r.prev; p != nil {
			if ratio, ok := HitRatio(p.hits, p.misses, *parsed.KeyspaceHits, *parsed.KeyspaceMisses, p.ownHits, p.ownMisses); ok {
				card.HitRatio = snapshot.Round(snapshot.F(ratio), 2)
			}
		}
		own.hits, own.misses = *parsed.KeyspaceHits, *parsed.KeyspaceMisses
		r.prev = &own
	} else {
		r.prev = nil
	}
	r.mu.Unlock()

	parts := inferenceParts{Detect: lats[0], Analyze: lats[1], Pipeline: lats[2], Queues: &q}
	return Result{Via: snapshot.ViaRedis, Apply: func(s *snapshot.Snapshot) {
		fresh := Fresh(s, "redis")
		if fresh {
			s.Databases.Redis = card
		} else {
			s.Databases.Redis = snapshot.Redis{Status: snapshot.StatusUnreachable, Error: sourceError(s, "redis")}
		}
		parts.apply(s, fresh)
	}}, nil
}

// pickQueue returns the depth and name of the first queue key that exists; with none, the
// queue is empty (Redis deletes empty lists) and the plain name is reported.
func pickQueue(cmds []*redis.IntCmd, keys []string, lookup func(bool, error)) (*int64, string) {
	var depth *int64
	name := ""
	for i, c := range cmds {
		n, err := c.Result()
		lookup(n > 0, err)
		if err == nil && n > 0 && depth == nil {
			depth, name = snapshot.I(n), keys[i]
		}
	}
	if depth == nil {
		for _, c := range cmds {
			if c.Err() != nil && !isWrongType(c.Err()) {
				return nil, "" // the read failed: unknown, not empty
			}
		}
		return snapshot.I(0), keys[len(keys)-1]
	}
	return depth, name
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

// scrubSecret replaces every occurrence of the given secrets in msg with "***".
func scrubSecret(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 3 { // a one- or two-letter secret would mangle ordinary words
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}
