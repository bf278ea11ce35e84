// Package testenv gives tests the real servers that scripts/test.sh starts (PostgreSQL,
// Redis, Prometheus), and lets fault tests stop and restart the fault instances.
//
// Without the harness a test that needs a server is skipped, except under CI (CI set),
// where a missing server is a failure: CI must never pass by skipping.
package testenv

import (
	"github.com/hsi-top/hsi-top/internal/fixtures"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

func need(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: %s is required under CI (run scripts/test.sh)", name, what)
		}
		t.Skipf("%s is not set: run scripts/test.sh to start %s", name, what)
	}
	return v
}

// PostgresDSN is the shared PostgreSQL server (superuser postgres, trust auth).
func PostgresDSN(t testing.TB) string { return need(t, "HSI_TEST_PG_DSN", "PostgreSQL") }

// PostgresFaultDSN is the PostgreSQL server that fault tests may stop (StopServer "pgfault").
func PostgresFaultDSN(t testing.TB) string {
	return need(t, "HSI_TEST_PG_FAULT_DSN", "the fault PostgreSQL")
}

// RedisURL is the shared Redis server.
func RedisURL(t testing.TB) string { return need(t, "HSI_TEST_REDIS_URL", "Redis") }

// RedisFaultURL is the Redis server that fault tests may stop (StopServer "redisfault").
func RedisFaultURL(t testing.TB) string {
	return need(t, "HSI_TEST_REDIS_FAULT_URL", "the fault Redis")
}

// PrometheusURL is the Prometheus server. It scrapes ExporterAddr every second; only
// the collector package's tests use it, so they may stop it (StopServer "prometheus").
func PrometheusURL(t testing.TB) string {
	return need(t, "HSI_TEST_PROMETHEUS_URL", "Prometheus")
}

// ExporterAddr is the loopback address Prometheus scrapes: a test serves metrics there.
func ExporterAddr(t testing.TB) string {
	return need(t, "HSI_TEST_EXPORTER_ADDR", "Prometheus (its scrape target)")
}

// MQTTBroker is the Mosquitto broker, as tcp://127.0.0.1:PORT (anonymous, no persistence).
func MQTTBroker(t testing.TB) string { return need(t, "HSI_TEST_MQTT_BROKER", "Mosquitto") }

// StopServer stops one server of the harness: pgfault, redisfault or prometheus.
func StopServer(t testing.TB, name string) { t.Helper(); control(t, "stop", name) }

// StartServer restarts a server stopped by StopServer and waits until it listens.
func StartServer(t testing.TB, name string) { t.Helper(); control(t, "start", name) }

func control(t testing.TB, verb, name string) {
	t.Helper()
	script := need(t, "HSI_TEST_SERVICES", "the harness")
	state := need(t, "HSI_TEST_STATE", "the harness")
	out, err := exec.Command(script, verb, name, state).CombinedOutput()
	if err != nil {
		t.Fatalf("services.sh %s %s: %v\n%s", verb, name, err, out)
	}
}

// RepoRoot is the repository's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Fixture returns the path of a recorded service response in the project's own
// internal/fixtures/testdata.
func Fixture(name string) string { return filepath.Join(fixtures.Dir(), name) }

// ReadFixture returns a fixture's bytes (embedded, so no path is involved) or fails the
// test.
func ReadFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fixtures.Read(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
