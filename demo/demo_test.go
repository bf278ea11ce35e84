package demo

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/hsi-top/hsi-top/config"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestStackServesTheFixturesAndRedis: the demo's services answer on loopback with the
// recorded responses, its Redis answers INFO and the queue lengths, and the config it
// makes is valid and points at them.
func TestStackServesTheFixturesAndRedis(t *testing.T) {
	st, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := st.Config(config.Default())
	user := config.Default()
	user.Notify.Webhook = []config.WebhookConfig{{URL: "https://example.invalid/hook"}}
	user.Notify.HeartbeatURL = "https://example.invalid/beat"
	cfg = st.Config(user)
	if err := cfg.Validate(); err != nil {
		t.Fatalf("demo config: %v", err)
	}
	if len(cfg.Notify.Webhook) != 0 || cfg.Notify.HeartbeatURL != "" {
		t.Fatalf("the demo would notify: %+v", cfg.Notify)
	}
	for _, u := range []string{string(cfg.Backend.URL) + "/api/system/stats", string(cfg.LLM.URL) + "/slots", string(cfg.Detector.URL) + "/health"} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("%s is not on loopback", u)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(b) < 10 {
			t.Fatalf("%s: %d %q", u, resp.StatusCode, b)
		}
	}
	opts, err := redis.ParseURL(string(cfg.Redis.URL))
	if err != nil {
		t.Fatal(err)
	}
	opts.Protocol, opts.DisableIdentity = 2, true
	c := redis.NewClient(opts)
	defer c.Close()
	ctx := context.Background()
	info, err := c.Info(ctx).Result()
	if err != nil || !strings.Contains(info, "used_memory:") || !strings.Contains(info, "keyspace_hits:") {
		t.Fatalf("INFO = %q, %v", info, err)
	}
	n, err := c.LLen(ctx, "hsi:queue:detection_queue").Result()
	if err != nil || n < 1 {
		t.Fatalf("LLEN = %d, %v", n, err)
	}
	if got := len(st.Sources()); got != 1 {
		t.Fatalf("%d simulated sources, want the GPU source", got)
	}
}

func TestQueueDepthBursts(t *testing.T) {
	if queueDepth("hsi:queue:detection_queue", 0) != 12 || queueDepth("hsi:queue:detection_queue", 60) > 2 {
		t.Error("the detection queue does not burst every two minutes")
	}
	if queueDepth("hsi:queue:analysis_queue", 5) != 2 || queueDepth("hsi:queue:analysis_queue", 90) != 0 {
		t.Error("the analysis queue does not drain")
	}
}
