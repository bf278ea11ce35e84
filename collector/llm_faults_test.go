package collector

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
)

// TestLLMHangingSlotsKeepsMetrics: /slots never answers, /metrics does: the tokens and
// the KV cache still arrive, and only the slots say "timeout". Before, the requests ran
// one after another and the hanging /slots used the whole deadline.
func TestLLMHangingSlotsKeepsMetrics(t *testing.T) {
	health := testenv.ReadFixture(t, "llm-health-ok.json")
	metrics := testenv.ReadFixture(t, "llm-metrics.txt")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			w.Write(health)
		case "/metrics":
			w.Write(metrics)
		case "/slots":
			<-r.Context().Done() // hangs until the client gives up
		}
	}))
	t.Cleanup(srv.Close)
	l := llmSourceAt(config.ServiceConfig{Enabled: true, URL: config.SecretURL(srv.URL)}, 300*time.Millisecond, time.Now)
	t.Cleanup(func() { l.Close() })
	s := collectOnce(t, l, nil)
	card := s.AIModels.Nemotron
	if card.Status != "healthy" || card.KVCacheUsageRatio == nil || *card.KVCacheUsageRatio != 0.231 || card.RequestsProcessing == nil {
		t.Fatalf("card = %+v, want the /metrics numbers", card)
	}
	if card.MetricsError != "" || !strings.Contains(card.SlotsError, "/slots") || card.SlotsTotal != nil {
		t.Fatalf("slots error %q, metrics error %q, slots %v", card.SlotsError, card.MetricsError, card.SlotsTotal)
	}
}

// TestLLMImpossibleMetricsRejected: kv_cache_usage_ratio 7 and requests_processing -1
// are dropped with the reason (before: "KV cache 700.0%" and -1 requests were shown).
func TestLLMImpossibleMetricsRejected(t *testing.T) {
	body := "llamacpp:kv_cache_usage_ratio 7\nllamacpp:requests_processing -1\n" +
		"llamacpp:requests_deferred 2\nllamacpp:tokens_predicted_total 100\n"
	srv := newReplayServer(t, map[string]route{
		"/health":  {200, testenv.ReadFixture(t, "llm-health-ok.json")},
		"/slots":   {200, testenv.ReadFixture(t, "llm-slots-current.json")},
		"/metrics": {200, []byte(body)},
	})
	card := collectOnce(t, newTestLLM(t, srv.URL, "", nil), nil).AIModels.Nemotron
	if card.KVCacheUsageRatio != nil || card.RequestsProcessing != nil {
		t.Fatalf("kv %v, processing %v: impossible values passed", *card.KVCacheUsageRatio, *card.RequestsProcessing)
	}
	if card.RequestsDeferred == nil || *card.RequestsDeferred != 2 {
		t.Fatalf("deferred = %v, want the valid 2", card.RequestsDeferred)
	}
	for _, want := range []string{"kv_cache_usage_ratio 7 is impossible (a ratio from 0 to 1)", "requests_processing -1 is impossible"} {
		if !strings.Contains(card.MetricsError, want) {
			t.Errorf("metrics error %q lacks %q", card.MetricsError, want)
		}
	}
}

// TestValidateLLMMetrics covers each rule of ValidateLLMMetrics.
func TestValidateLLMMetrics(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		name string
		in   LLMMetrics
		ok   bool
	}{
		{"ratio 1", LLMMetrics{KVCacheUsage: f(1)}, true},
		{"ratio 0", LLMMetrics{KVCacheUsage: f(0)}, true},
		{"ratio 1.01", LLMMetrics{KVCacheUsage: f(1.01)}, false},
		{"ratio -0.1", LLMMetrics{KVCacheUsage: f(-0.1)}, false},
		{"processing 1.5", LLMMetrics{RequestsProcessing: f(1.5)}, false},
		{"deferred -2", LLMMetrics{RequestsDeferred: f(-2)}, false},
		{"tokens -1", LLMMetrics{TokensPredicted: f(-1)}, false},
		{"prompt +Inf", LLMMetrics{PromptTokens: f(posInf())}, false},
		{"all good", LLMMetrics{KVCacheUsage: f(0.5), RequestsProcessing: f(3), TokensPredicted: f(10)}, true},
	}
	for _, tc := range cases {
		out, rejected := ValidateLLMMetrics(tc.in)
		if (len(rejected) == 0) != tc.ok {
			t.Errorf("%s: rejected %v, want ok=%v", tc.name, rejected, tc.ok)
		}
		if tc.ok && out != tc.in {
			t.Errorf("%s: valid values changed: %+v", tc.name, out)
		}
	}
}

func posInf() float64 { return 1 / zero }

var zero = 0.0

// TestParseBackendStatsOutOfRange: a count past int64 (and past what a JSON number holds
// exactly) names the field instead of "no known field in the answer".
func TestParseBackendStatsOutOfRange(t *testing.T) {
	_, err := ParseBackendStats([]byte(`{"total_detections": 9223372036854775808}`))
	if err == nil || !strings.Contains(err.Error(), "total_detections") || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("err = %v, want total_detections out of range", err)
	}
	ov, err := ParseBackendStats([]byte(`{"total_cameras": 4, "total_events": 99999999999999999999, "total_detections": -3}`))
	if err != nil || *ov.CamerasTotal != 4 || ov.EventsTotal != nil || ov.DetectionsTotal != nil {
		t.Fatalf("overview %+v, err %v", ov, err)
	}
	if !strings.Contains(ov.Error, "total_events: 1e+20 is out of range") || !strings.Contains(ov.Error, "total_detections: -3 is negative") {
		t.Fatalf("error = %q", ov.Error)
	}
}
