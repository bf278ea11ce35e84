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

// hostileHandlers are services that misbehave in every way the issue lists. Each
// handler returns once the client gives up (its request context ends), so closing the
// server leaves no goroutine behind.
func hostileHandlers() map[string]http.HandlerFunc {
	wait := func(r *http.Request, d time.Duration) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
	}
	return map[string]http.HandlerFunc{
		"slow": func(w http.ResponseWriter, r *http.Request) {
			wait(r, 3*time.Second) // answers, but long after the deadline
			w.Write([]byte(`{"status":"healthy","model_loaded":true}`))
		},
		"hanging": func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // never answers
		},
		"500": func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		},
		"html": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"))
		},
		"truncated": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slots" {
				w.Write([]byte(`[{"id":0,"n_ctx":4096,"is_processing":true,"prompt":"FIXTURE-PROMPT-TE`))
				return
			}
			w.Write([]byte(`{"status":"healthy","model_loaded":tr`))
		},
		"wrong types": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slots" {
				w.Write([]byte(`[{"id":"0","n_ctx":"4096","is_processing":"yes"}]`))
				return
			}
			w.Write([]byte(`{"status":"healthy","model_loaded":true,"vram_used_gb":"0.17","device":"cuda:0"}`))
		},
		"50 MB body": func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat("[", 64<<10))
			for range (50 << 20) / len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return // the client stopped reading at the limit
				}
			}
		},
		"redirect loop": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		},
	}
}

// canary is a source that always answers at once: a hostile service must not blank or
// delay it.
var canary = SourceFunc{SourceName: "canary", Fn: func(context.Context) (Result, error) {
	return Result{Via: "test", Apply: func(s *snapshot.Snapshot) { s.Hostname = "canary-ok" }}, nil
}}

func TestHostileServers(t *testing.T) {
	for name, h := range hostileHandlers() {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			// The request timeout is shorter than the engine's deadline, so the sections
			// carry the reason within this tick.
			det := NewDetectorSource(config.DetectorConfig{Enabled: true, URL: config.SecretURL(srv.URL), Key: "rtdetr"}, reqTimeouts(150*time.Millisecond))
			llm := NewLLMSource(config.ServiceConfig{Enabled: true, URL: config.SecretURL(srv.URL)}, reqTimeouts(150*time.Millisecond))
			defer det.Close()
			defer llm.Close()
			eng, err := NewEngine(Options{Interval: time.Second, Timeout: 600 * time.Millisecond}, canary, det, llm)
			if err != nil {
				t.Fatal(err)
			}
			s := eng.Tick(context.Background())

			if s.Hostname != "canary-ok" || !Fresh(s, "canary") {
				t.Errorf("the canary section was blanked or delayed: %+v", s.Sources)
			}
			d := s.AIModels.Detector
			if d.Status == snapshot.StatusHealthy || d.Error == "" || len(d.Error) > 100 {
				t.Errorf("detector = %q %q: want not healthy with a short reason", d.Status, d.Error)
			}
			l := s.Nemotron
			llmReason := l.Error
			if l.Status == snapshot.StatusHealthy {
				llmReason = l.SlotsError // /health answered 200; /slots is what is broken
				if l.SlotsTotal != nil {
					t.Errorf("llm slots = %v from a hostile /slots", *l.SlotsTotal)
				}
			}
			if llmReason == "" || len(llmReason) > 100 {
				t.Errorf("llm = %q %q / %q: want a short reason", l.Status, l.Error, l.SlotsError)
			}
			js, err := json.Marshal(wire.Performance(s))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(js), "FIXTURE-PROMPT") || strings.Contains(string(js), "nginx") {
				t.Errorf("body text reached the snapshot: %s", js)
			}
			t.Logf("detector %s (%s); llm %s (%s%s)", d.Status, d.Error, l.Status, l.Error, l.SlotsError)
		})
	}
}

func TestHostileReasons(t *testing.T) {
	// The reasons a user reads, per hostile kind, for the detector card.
	want := map[string][2]string{
		"slow":          {"unhealthy", "timeout"}, // a read that timed out: not unreachable
		"hanging":       {"unhealthy", "timeout"},
		"500":           {"unhealthy", "HTTP 500"},
		"html":          {"degraded", "HTML instead of JSON"},
		"truncated":     {"degraded", "truncated JSON"},
		"wrong types":   {"degraded", `field "vram_used_gb" has a string, expected a number`},
		"50 MB body":    {"degraded", "response body larger than 1024 KiB"},
		"redirect loop": {"unreachable", "more than 3 redirects"},
	}
	for name, h := range hostileHandlers() {
		srv := httptest.NewServer(h)
		det := NewDetectorSource(config.DetectorConfig{Enabled: true, URL: config.SecretURL(srv.URL), Key: "rtdetr"}, reqTimeouts(150*time.Millisecond))
		d := collectOnce(t, det, nil).AIModels.Detector
		det.Close()
		srv.Close()
		if w := want[name]; d.Status != w[0] || d.Error != w[1] {
			t.Errorf("%s: detector = %q %q, want %q %q", name, d.Status, d.Error, w[0], w[1])
		}
		if name == "wrong types" && (d.Device == nil || *d.Device != "cuda:0") {
			t.Errorf("wrong types: the well-typed fields were dropped: %+v", d)
		}
	}
}

// TestPromptTextNeverKept feeds the slot fixtures (their prompts hold a marker) through
// the whole collector and looks for the marker in everything hsi-top could show.
func TestPromptTextNeverKept(t *testing.T) {
	const marker = "FIXTURE-PROMPT-TEXT"
	current := testenv.ReadFixture(t, "llm-slots-current.json")
	legacy := testenv.ReadFixture(t, "llm-slots-legacy.json")
	if !strings.Contains(string(current), marker) || !strings.Contains(string(legacy), marker) {
		t.Fatal("the fixtures lost their marker: this test would prove nothing")
	}
	bodies := [][]byte{
		current,
		legacy,
		[]byte(strings.Replace(string(current), `"n_ctx": 131072`, `"n_ctx": "`+marker+`"`, 1)), // a type error
		current[:strings.Index(string(current), marker)+10],                                     // cut inside the prompt
	}
	for i, body := range bodies {
		srv := newReplayServer(t, llmRoutes(t, "llm-slots-current.json"))
		srv.set("/slots", route{200, body})
		llm := NewLLMSource(config.ServiceConfig{Enabled: true, URL: config.SecretURL(srv.URL)}, reqTimeouts(time.Second))
		eng, err := NewEngine(Options{Interval: time.Second, Timeout: 800 * time.Millisecond}, llm)
		if err != nil {
			t.Fatal(err)
		}
		var s *snapshot.Snapshot
		for range 2 {
			s = eng.Tick(context.Background())
		}
		llm.Close()
		js, err := json.Marshal(wire.Performance(s))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(js), marker) {
			t.Errorf("body %d: the prompt marker is in the snapshot JSON", i)
		}
		for _, st := range s.Sources {
			if strings.Contains(st.Error, marker) {
				t.Errorf("body %d: the prompt marker is in source %s's error", i, st.Source)
			}
		}
		for _, e := range []string{s.Nemotron.Error, s.Nemotron.SlotsError, s.Nemotron.MetricsError} {
			if strings.Contains(e, marker) {
				t.Errorf("body %d: the prompt marker is in an error: %q", i, e)
			}
		}
		if i < 2 && (s.Nemotron.SlotsTotal == nil || *s.Nemotron.SlotsTotal != 2) {
			t.Errorf("body %d: the fixture was not parsed: %+v", i, s.Nemotron)
		}
		if i >= 2 && s.Nemotron.SlotsError == "" {
			t.Errorf("body %d: a broken /slots gave no reason", i)
		}
	}
}
