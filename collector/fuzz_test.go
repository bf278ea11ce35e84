package collector

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

// The parsers read whatever a service on the network sends: they must never panic,
// never produce a number JSON cannot carry, and never quote the body in an error.

func FuzzParseDetectorHealth(f *testing.F) {
	for _, name := range []string{"detector-health-rtdetr.json", "detector-health-yolo26.json", "detector-health-degraded.json"} {
		body := testenv.ReadFixture(f, name)
		f.Add(200, body)
		f.Add(503, body)
	}
	f.Add(200, []byte(`{"status":"healthy","vram_used_gb":"0.17"}`))
	f.Add(500, []byte(`<html>`))
	f.Add(200, []byte(`{"model_name":"/a/b.engine/","device":"\u0000cuda"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		d, gpu := ParseDetectorHealth(status, body)
		switch d.Status {
		case snapshot.StatusHealthy, snapshot.StatusDegraded, snapshot.StatusUnhealthy:
		default:
			t.Fatalf("status %q", d.Status)
		}
		if len(d.Error) > 160 || !utf8.ValidString(d.Error) {
			t.Fatalf("error too long or not UTF-8: %q", d.Error)
		}
		for _, s := range []*string{d.Model, d.Device} {
			if s != nil && (len(*s) > 256 || strings.ContainsAny(*s, "\x00\n\r\x1b/")) {
				t.Fatalf("unsanitised name %q", *s)
			}
		}
		if gpu != nil && gpu.Utilization == nil && gpu.Temperature == nil && gpu.PowerWatts == nil {
			t.Fatal("a detector GPU without any number")
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("card does not encode: %v", err)
		}
	})
}

func FuzzParseSlots(f *testing.F) {
	f.Add(testenv.ReadFixture(f, "llm-slots-current.json"))
	f.Add(testenv.ReadFixture(f, "llm-slots-legacy.json"))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[{"next_token":[{"n_decoded":1}]},{"state":-1,"n_ctx":-5}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParseSlots(body)
		if err != nil {
			if strings.Contains(err.Error(), "FIXTURE") || len(err.Error()) > 160 {
				t.Fatalf("error quotes the body or is long: %q", err)
			}
			return
		}
		if p.Total == nil || *p.Total < 0 {
			t.Fatal("no slot count on success")
		}
		if p.Active != nil && (*p.Active < 0 || *p.Active > *p.Total) {
			t.Fatalf("active %d of %d", *p.Active, *p.Total)
		}
		if len(p.Slots) > maxSlotDetails || int64(len(p.Slots)) > *p.Total {
			t.Fatalf("%d slot rows for %d slots", len(p.Slots), *p.Total)
		}
		js, err := json.Marshal(p.Slots)
		if err != nil {
			t.Fatal(err)
		}
		// Only numbers (and a model file name) come out of a slot: never a prompt.
		if strings.Contains(string(js), "FIXTURE") {
			t.Fatalf("text reached the slot rows: %s", js)
		}
	})
}

func FuzzParseLLMMetrics(f *testing.F) {
	f.Add(testenv.ReadFixture(f, "llm-metrics.txt"))
	f.Add([]byte("llamacpp:kv_cache_usage_ratio{a=\"}\\\"\"} +Inf 1\nllamacpp:requests_deferred NaN\n"))
	f.Add([]byte("<html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseLLMMetrics(body)
		if err != nil {
			return
		}
		for _, v := range []*float64{m.TokensPredicted, m.PromptTokens, m.KVCacheUsage, m.RequestsProcessing, m.RequestsDeferred} {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				t.Fatalf("non-finite value %v", *v)
			}
		}
	})
}
