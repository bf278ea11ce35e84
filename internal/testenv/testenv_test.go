package testenv

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// These tests prove the harness: each real server answers a real query.

func TestHarnessPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var db string
	var commits int64
	if err := conn.QueryRow(ctx, "SELECT datname, xact_commit FROM pg_stat_database WHERE datname = current_database()").Scan(&db, &commits); err != nil {
		t.Fatal(err)
	}
	if db != "postgres" || commits < 0 {
		t.Errorf("pg_stat_database: %q %d", db, commits)
	}
}

func TestHarnessRedis(t *testing.T) {
	opts, err := redis.ParseURL(RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	info, err := c.Info(context.Background(), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(info, "redis_version:") {
		t.Errorf("INFO server lacks redis_version:\n%s", info)
	}
}

func TestHarnessPrometheus(t *testing.T) {
	base := PrometheusURL(t)
	get := func(path string) []byte {
		t.Helper()
		var lastErr error
		for i := 0; i < 100; i++ { // Prometheus may still be starting
			resp, err := http.Get(base + path)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return b
				}
				lastErr = err
			} else {
				lastErr = err
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("GET %s: %v", path, lastErr)
		return nil
	}
	if ready := get("/-/ready"); !strings.Contains(string(ready), "Ready") {
		t.Errorf("/-/ready: %s", ready)
	}
	var q struct {
		Status string `json:"status"`
		Data   struct {
			ResultType string `json:"resultType"`
		} `json:"data"`
	}
	if err := json.Unmarshal(get("/api/v1/query?query=vector(42)"), &q); err != nil {
		t.Fatal(err)
	}
	if q.Status != "success" || q.Data.ResultType != "vector" {
		t.Errorf("query answer: %+v", q)
	}
}
