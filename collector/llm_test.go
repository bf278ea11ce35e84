package collector

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

func newTestLLM(t testing.TB, url string, key config.Secret, now func() time.Time) *LLMSource {
	if now == nil {
		now = time.Now
	}
	l := llmSourceAt(config.ServiceConfig{Enabled: true, URL: config.SecretURL(url), APIKey: key}, 2*time.Second, now)
	t.Cleanup(func() { l.Close() })
	return l
}

func llmRoutes(t testing.TB, slotsFixture string) map[string]route {
	return map[string]route{
		"/health":  {200, testenv.ReadFixture(t, "llm-health-ok.json")},
		"/slots":   {200, testenv.ReadFixture(t, slotsFixture)},
		"/metrics": {200, testenv.ReadFixture(t, "llm-metrics.txt")},
	}
}

func i64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestLLMFixturesCurrent(t *testing.T) {
	srv := newReplayServer(t, llmRoutes(t, "llm-slots-current.json"))
	s := collectOnce(t, newTestLLM(t, srv.URL, "llm-key", nil), nil)
	l := s.AIModels.Nemotron
	if l.Status != "healthy" || i64(l.SlotsActive) != int64(1) || i64(l.SlotsTotal) != int64(2) || i64(l.ContextSize) != int64(131072) {
		t.Errorf("card = %s %v/%v ctx %v", l.Status, i64(l.SlotsActive), i64(l.SlotsTotal), i64(l.ContextSize))
	}
	if l.SlotsError != "" || l.MetricsError != "" || l.Error != "" {
		t.Errorf("errors = %q %q %q", l.SlotsError, l.MetricsError, l.Error)
	}
	if len(l.Slots) != 2 || !l.Slots[0].Busy || i64(l.Slots[0].NDecoded) != int64(335) || i64(l.Slots[0].NRemain) != int64(1201) {
		t.Fatalf("slot 0 = %+v", l.Slots)
	}
	if l.Slots[1].Busy || i64(l.Slots[1].NDecoded) != int64(0) || l.Slots[1].NRemain != nil || l.Slots[1].ID != 1 {
		t.Errorf("slot 1 = %+v, want idle, 0 decoded, n_remain nil (-1 = no limit)", l.Slots[1])
	}
	for _, path := range []string{"/health", "/slots", "/metrics"} {
		if got := srv.header(path, "Authorization"); got != "Bearer llm-key" {
			t.Errorf("%s Authorization = %q", path, got)
		}
	}
	// First read: no rate yet; gauges are there.
	if l.TokensPerSecond != nil || l.PromptTokensPerSecond != nil {
		t.Errorf("rates on the first tick: %v %v", fmtPtr(l.TokensPerSecond), fmtPtr(l.PromptTokensPerSecond))
	}
	if !eqF(l.KVCacheUsageRatio, snapshot.F(0.231)) || !eqF(l.RequestsProcessing, snapshot.F(1)) || !eqF(l.RequestsDeferred, snapshot.F(0)) {
		t.Errorf("gauges = %v %v %v", fmtPtr(l.KVCacheUsageRatio), fmtPtr(l.RequestsProcessing), fmtPtr(l.RequestsDeferred))
	}
	// contract.md §3: nemotron and ai_models.nemotron are the same object.
	a, _ := json.Marshal(s.Nemotron)
	b, _ := json.Marshal(s.AIModels.Nemotron)
	if string(a) != string(b) {
		t.Errorf("nemotron %s != ai_models.nemotron %s", a, b)
	}
	var page map[string]any
	js, _ := json.Marshal(wire.Performance(s))
	json.Unmarshal(js, &page)
	n := page["nemotron"].(map[string]any)
	if n["status"] != "healthy" || n["slots_active"] != 1.0 || n["slots_total"] != 2.0 || n["context_size"] != 131072.0 {
		t.Errorf("page nemotron = %v", n)
	}
}

func TestLLMFixturesLegacy(t *testing.T) {
	srv := newReplayServer(t, llmRoutes(t, "llm-slots-legacy.json"))
	srv.set("/metrics", route{501, []byte(`{"error":{"code":501,"message":"This server does not support metrics endpoint."}}`)})
	s := collectOnce(t, newTestLLM(t, srv.URL, "", nil), nil)
	l := s.Nemotron
	if i64(l.SlotsActive) != int64(1) || i64(l.SlotsTotal) != int64(2) || i64(l.ContextSize) != int64(4096) {
		t.Errorf("legacy slots = %v/%v ctx %v", i64(l.SlotsActive), i64(l.SlotsTotal), i64(l.ContextSize))
	}
	if l.Model == nil || *l.Model != "nemotron-mini-4b-instruct-q4_k_m" {
		t.Errorf("model = %v", l.Model)
	}
	if !l.Slots[0].Busy || l.Slots[1].Busy {
		t.Errorf("state != 0 is busy: %+v", l.Slots)
	}
	if !strings.Contains(l.MetricsError, "HTTP 501") || l.KVCacheUsageRatio != nil {
		t.Errorf("metrics disabled: %q %v", l.MetricsError, fmtPtr(l.KVCacheUsageRatio))
	}
	if srv.header("/health", "Authorization") != "" {
		t.Error("Authorization sent without a key")
	}
}

func TestLLMLoading(t *testing.T) {
	srv := newReplayServer(t, llmRoutes(t, "llm-slots-current.json"))
	srv.set("/health", route{503, testenv.ReadFixture(t, "llm-health-loading.json")})
	s := collectOnce(t, newTestLLM(t, srv.URL, "", nil), nil)
	l := s.Nemotron
	if l.Status != "loading" || l.SlotsActive != nil || l.SlotsTotal != nil || l.Error != "" {
		t.Errorf("card = %+v, want loading with unknown slots", l)
	}
	if srv.hitCount("/slots") != 0 {
		t.Error("/slots asked while the model loads")
	}
}

func TestLLMUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s := collectOnce(t, newTestLLM(t, url, "", nil), nil)
	if l := s.AIModels.Nemotron; l.Status != "unreachable" || l.Error != "connection refused" || l.SlotsTotal != nil {
		t.Errorf("card = %+v", l)
	}
}

func TestLLMSlotsUnavailable(t *testing.T) {
	cases := []struct {
		status int
		key    config.Secret
		want   string
	}{
		{404, "", "/slots disabled"},
		{501, "", "/slots disabled"},
		{401, "", "needs the API key"},
		{403, "k", "rejected the API key"},
		{500, "", "/slots: HTTP 500"},
	}
	for _, c := range cases {
		srv := newReplayServer(t, llmRoutes(t, "llm-slots-current.json"))
		srv.set("/slots", route{c.status, []byte(`{"error":"nope"}`)})
		l := collectOnce(t, newTestLLM(t, srv.URL, c.key, nil), nil).Nemotron
		if l.Status != "healthy" || l.SlotsActive != nil || l.SlotsTotal != nil || l.ContextSize != nil || l.Slots != nil {
			t.Errorf("HTTP %d: slots must be unknown (nil), not 0: %+v", c.status, l)
		}
		if !strings.Contains(l.SlotsError, c.want) {
			t.Errorf("HTTP %d: SlotsError = %q, want %q", c.status, l.SlotsError, c.want)
		}
	}
}

func TestLLMTokenRates(t *testing.T) {
	now := time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)
	srv := newReplayServer(t, llmRoutes(t, "llm-slots-current.json"))
	llm := newTestLLM(t, srv.URL, "", func() time.Time { return now })
	metrics := func(predicted, prompt float64) route {
		return route{200, []byte("# TYPE llamacpp:tokens_predicted_total counter\n" +
			"llamacpp:tokens_predicted_total " + ftoa(predicted) + "\n" +
			"llamacpp:prompt_tokens_total " + ftoa(prompt) + "\n")}
	}
	srv.set("/metrics", metrics(1000, 5000))
	if l := collectOnce(t, llm, nil).Nemotron; l.TokensPerSecond != nil {
		t.Fatalf("first tick rate = %v", *l.TokensPerSecond)
	}
	now = now.Add(5 * time.Second)
	srv.set("/metrics", metrics(1250, 15000))
	l := collectOnce(t, llm, nil).Nemotron
	if !eqF(l.TokensPerSecond, snapshot.F(50)) || !eqF(l.PromptTokensPerSecond, snapshot.F(2000)) {
		t.Errorf("rates = %v %v, want 50 2000", fmtPtr(l.TokensPerSecond), fmtPtr(l.PromptTokensPerSecond))
	}
	// The server restarted: counters fell, so no rate this tick, then rates again.
	now = now.Add(5 * time.Second)
	srv.set("/metrics", metrics(10, 20))
	if l = collectOnce(t, llm, nil).Nemotron; l.TokensPerSecond != nil || l.PromptTokensPerSecond != nil {
		t.Errorf("rate after a counter reset = %v", fmtPtr(l.TokensPerSecond))
	}
	now = now.Add(10 * time.Second)
	srv.set("/metrics", metrics(110, 20))
	if l = collectOnce(t, llm, nil).Nemotron; !eqF(l.TokensPerSecond, snapshot.F(10)) || !eqF(l.PromptTokensPerSecond, snapshot.F(0)) {
		t.Errorf("rates = %v %v, want 10 0", fmtPtr(l.TokensPerSecond), fmtPtr(l.PromptTokensPerSecond))
	}
}

func ftoa(f float64) string { b, _ := json.Marshal(f); return string(b) }

func TestParseSlots(t *testing.T) {
	cases := []struct {
		name                string
		body                string
		active, total, nctx any
		err                 string
	}{
		{"empty list", `[]`, int64(0), int64(0), nil, ""},
		{"no busy field", `[{"id":0,"n_ctx":8}]`, nil, int64(1), int64(8), ""},
		{"next_token array", `[{"id":0,"n_ctx":8,"is_processing":true,"next_token":[{"n_decoded":7,"n_remain":3}]}]`, int64(1), int64(1), int64(8), ""},
		{"null", `null`, nil, nil, nil, "null instead of a slot list"},
		{"object", `{"slots":[]}`, nil, nil, nil, "a JSON object, expected an array"},
		{"wrong type", `[{"id":0,"n_ctx":"FIXTURE-PROMPT-TEXT"}]`, nil, nil, nil, `field "n_ctx" has a string, expected an integer`},
		{"truncated in the prompt", `[{"id":0,"prompt":"FIXTURE-PROMPT-TE`, nil, nil, nil, "truncated JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseSlots([]byte(c.body))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				if strings.Contains(err.Error(), "FIXTURE") {
					t.Errorf("error quotes the body: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if i64(p.Active) != c.active || i64(p.Total) != c.total || i64(p.ContextSize) != c.nctx {
				t.Errorf("= %v/%v ctx %v, want %v/%v ctx %v", i64(p.Active), i64(p.Total), i64(p.ContextSize), c.active, c.total, c.nctx)
			}
		})
	}
}

func TestParseLLMMetrics(t *testing.T) {
	m, err := ParseLLMMetrics([]byte(`# HELP x
llamacpp:kv_cache_usage_ratio{model="a \"}\" b"} 0.5 1700000000000
llamacpp:requests_processing NaN
llamacpp:requests_deferred	3	1700000000000
llamacpp:tokens_predicted_total 1e3
garbage line here
llamacpp:tokens_predicted_total 5 6 7
llamacpp:prompt_tokens_total notanumber
`))
	if err != nil {
		t.Fatal(err)
	}
	if !eqF(m.KVCacheUsage, snapshot.F(0.5)) || m.RequestsProcessing != nil || !eqF(m.RequestsDeferred, snapshot.F(3)) ||
		!eqF(m.TokensPredicted, snapshot.F(1000)) || m.PromptTokens != nil {
		t.Errorf("parsed = %+v", m)
	}
	for _, body := range []string{"<html>metrics</html>", "", "node_cpu_seconds_total 5\n"} {
		if _, err := ParseLLMMetrics([]byte(body)); err == nil {
			t.Errorf("ParseLLMMetrics(%q) succeeded", body)
		}
	}
}

// BenchmarkParseSlots parses the 2-slot /slots fixture.
func BenchmarkParseSlots(b *testing.B) {
	body := testenv.ReadFixture(b, "llm-slots-current.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSlots(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLLMMetrics parses the /metrics fixture.
func BenchmarkParseLLMMetrics(b *testing.B) {
	body := testenv.ReadFixture(b, "llm-metrics.txt")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseLLMMetrics(body); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBuildAISources wires the configuration's GPU, detector and LLM sources through
// Build, as --once does, against servers replaying the fixtures.
func TestBuildAISources(t *testing.T) {
	det := newReplayServer(t, map[string]route{"/health": {200, testenv.ReadFixture(t, "detector-health-yolo26.json")}})
	llm := newReplayServer(t, llmRoutes(t, "llm-slots-current.json"))
	cfg := config.Default()
	cfg.SourceTimeout = config.Duration(800 * time.Millisecond)
	cfg.Interval = config.Duration(time.Second)
	cfg.Detector.URL, cfg.Detector.Key, cfg.Detector.APIKey = config.SecretURL(det.URL), "yolo26", "dk"
	cfg.LLM.URL = config.SecretURL(llm.URL)

	built := Build(cfg)
	defer built.Close()
	var names []string
	for _, s := range built.Sources {
		names = append(names, string(s.Name()))
	}
	// The network sources start first, the ones that read this machine last (Build).
	if got := strings.Join(names, ","); !strings.HasPrefix(got, "detector,llm") || !strings.HasSuffix(got, "host,self,nvml") {
		t.Errorf("sources = %s, want detector,llm first and host,self,nvml last", got)
	}
	eng, err := NewEngine(Options{Interval: cfg.Interval.D(), Timeout: cfg.SourceTimeout.D(), Prepare: built.Prepare}, built.Sources...)
	if err != nil {
		t.Fatal(err)
	}
	s := eng.Tick(context.Background())
	var page struct {
		GPU      map[string]any            `json:"gpu"`
		GPUs     []map[string]any          `json:"gpus"`
		Status   map[string]any            `json:"gpu_status"`
		AIModels map[string]map[string]any `json:"ai_models"`
		Nemotron map[string]any            `json:"nemotron"`
	}
	js, _ := json.Marshal(wire.Performance(s))
	if err := json.Unmarshal(js, &page); err != nil {
		t.Fatal(err)
	}
	y := page.AIModels["yolo26"]
	if y["status"] != "healthy" || y["model"] != "yolo26m" || y["vram_gb"] != 1.42 || y["device"] != "cuda:0" {
		t.Errorf("ai_models.yolo26 = %v", y)
	}
	n := page.AIModels["nemotron"]
	if n["status"] != "healthy" || n["slots_active"] != 1.0 || n["slots_total"] != 2.0 || n["context_size"] != 131072.0 {
		t.Errorf("ai_models.nemotron = %v", n)
	}
	if page.Nemotron["slots_total"] != 2.0 {
		t.Errorf("nemotron = %v", page.Nemotron)
	}
	// Without a GPU here NVML says why and the detector's numbers stand in; on a GPU
	// machine NVML's devices win.
	if len(page.GPUs) == 0 || page.GPU == nil {
		t.Fatalf("gpu = %v, gpus = %v: the detector reports GPU numbers", page.GPU, page.GPUs)
	}
	switch page.Status["source"] {
	case "detector":
		if page.Status["error"] == "" || page.GPU["vram_total_gb"] != nil {
			t.Errorf("detector GPU: status %v, gpu %v", page.Status, page.GPU)
		}
	case "nvml":
	default:
		t.Errorf("gpu_status = %v", page.Status)
	}

	// Disabled or URL-less sources are not built.
	cfg.GPU.Enabled, cfg.Detector.URL, cfg.LLM.Enabled = false, "", false
	b2 := Build(cfg)
	defer b2.Close()
	for _, s := range b2.Sources {
		switch s.Name() {
		case "nvml", "detector", "llm":
			t.Errorf("source %s built while disabled", s.Name())
		}
	}
}
