package collector

import (
	"time"

	"github.com/hsi-top/hsi-top/config"
)

// reqTimeouts are Timeouts whose request and probe deadlines are d (the tests pick the
// per-request deadline directly).
func reqTimeouts(d time.Duration) Timeouts { return Timeouts{Source: d, Request: d, Probe: d} }

func redisSource(url, password string, timeout time.Duration) *RedisSource {
	return NewRedisSource(config.RedisConfig{Enabled: true, URL: config.SecretURL(url), Password: config.Secret(password)}, reqTimeouts(timeout))
}

func backendSource(url string, timeout time.Duration) *BackendSource {
	return NewBackendSource(config.ServiceConfig{Enabled: true, URL: config.SecretURL(url)}, reqTimeouts(timeout))
}

// postgresSource reads the expensive counts at every collection (SlowEvery 0).
func postgresSource(dsn string, poolSize int, timeout time.Duration) *PostgresSource {
	src := NewPostgresSource(config.PostgresConfig{Enabled: true, DSN: config.SecretURL(dsn), PoolSize: poolSize}, reqTimeouts(timeout))
	src.SlowEvery = 0
	return src
}

// promSource queries at every collection (MinQueryInterval 0).
func promSource(url string, recheck, timeout time.Duration) *PrometheusSource {
	src := NewPrometheusSource(config.PrometheusConfig{Enabled: true, URL: config.SecretURL(url), Recheck: config.Duration(recheck)}, reqTimeouts(timeout))
	src.MinQueryInterval = 0
	return src
}

// llmSourceAt is the LLM source with its clock replaced.
func llmSourceAt(cfg config.ServiceConfig, timeout time.Duration, now func() time.Time) *LLMSource {
	src := NewLLMSource(cfg, reqTimeouts(timeout))
	src.now = now
	return src
}

// gib is a GiB in bytes.
const gib = uint64(1) << 30
