package feed

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// fakeHistory returns n snapshots per range, 5 s, 15 s or 60 s apart.
type fakeHistory struct{ n int }

func (f fakeHistory) Snapshots(r history.Range) []*snapshot.Snapshot {
	step := []time.Duration{5 * time.Second, 15 * time.Second, time.Minute}[r]
	out := make([]*snapshot.Snapshot, 0, f.n)
	for i := range f.n {
		out = append(out, snapshot.New(t0.Add(time.Duration(i-f.n+1)*step)))
	}
	return out
}

func TestPerformanceEndpoint(t *testing.T) {
	h := start(t, nil)
	code, hdr, body := h.get("/api/system/performance", nil)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, content type %q", code, hdr.Get("Content-Type"))
	}
	want, err := json.Marshal(wire.Page(h.src.Latest()))
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != string(want) {
		t.Errorf("body is not the snapshot's page encoding:\n%s", body)
	}
	// The same bytes as the performance_update's data.
	c := h.dial("", nil)
	readFrame(t, c)
	h.clk.Advance(5 * time.Second)
	readFrame(t, c)
	pu := readFrame(t, c)
	if string(pu.Raw) != `{"type":"performance_update","data":`+string(body)+`}` {
		t.Error("performance_update's data differs from /api/system/performance")
	}

	h.src.set(nil)
	if code, _, body := h.get("/api/system/performance", nil); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "no_data") {
		t.Errorf("without a snapshot: %d %s, want 503 no_data", code, body)
	}
}

func TestHistoryEndpoint(t *testing.T) {
	h := start(t, func(o *Options) { o.History = fakeHistory{n: 60} })
	for _, tc := range []struct{ query, rng string }{
		{"?time_range=5m", "5m"}, {"?time_range=15m", "15m"}, {"?time_range=60m", "60m"}, {"", "5m"},
	} {
		code, _, body := h.get("/api/system/performance/history"+tc.query, nil)
		if code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tc.query, code, body)
		}
		var got struct {
			Snapshots []map[string]any `json:"snapshots"`
			TimeRange string           `json:"time_range"`
			Count     int              `json:"count"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if got.TimeRange != tc.rng || got.Count != 60 || len(got.Snapshots) != 60 {
			t.Errorf("%s: time_range %q count %d len %d", tc.query, got.TimeRange, got.Count, len(got.Snapshots))
		}
		if _, ok := got.Snapshots[59]["timestamp"].(string); !ok {
			t.Errorf("%s: a snapshot lacks its timestamp", tc.query)
		}
	}
	code, _, body := h.get("/api/system/performance/history?time_range=7m", nil)
	if code != http.StatusBadRequest {
		t.Fatalf("bad range: status %d", code)
	}
	var bad struct {
		Error string   `json:"error"`
		Valid []string `json:"valid"`
	}
	if err := json.Unmarshal(body, &bad); err != nil || bad.Error != "invalid_time_range" || strings.Join(bad.Valid, ",") != "5m,15m,60m" {
		t.Errorf("bad range body %s", body)
	}
}

func TestHistoryEndpointWithStore(t *testing.T) {
	// The real history store behind the endpoint: a snapshot every 5 s for 2 minutes.
	store := history.NewStore()
	for i := range 24 {
		store.Process(fixtureSnapshot(t, t0.Add(time.Duration(i)*5*time.Second)))
	}
	h := start(t, func(o *Options) { o.History = store })
	code, _, body := h.get("/api/system/performance/history?time_range=5m", nil)
	var got struct {
		Snapshots []struct {
			Timestamp string `json:"timestamp"`
		} `json:"snapshots"`
		TimeRange string `json:"time_range"`
		Count     int    `json:"count"`
	}
	if err := json.Unmarshal(body, &got); code != http.StatusOK || err != nil {
		t.Fatalf("status %d: %v %s", code, err, body)
	}
	if got.Count != 24 || len(got.Snapshots) != 24 || got.TimeRange != "5m" {
		t.Fatalf("count %d len %d range %q, want 24 snapshots of 5m", got.Count, len(got.Snapshots), got.TimeRange)
	}
	if got.Snapshots[0].Timestamp >= got.Snapshots[23].Timestamp {
		t.Errorf("snapshots not oldest first: %s … %s", got.Snapshots[0].Timestamp, got.Snapshots[23].Timestamp)
	}
}

func TestHistoryEndpointWithoutHistory(t *testing.T) {
	h := start(t, nil)
	if code, _, body := h.get("/api/system/performance/history?time_range=5m", nil); code != http.StatusServiceUnavailable {
		t.Errorf("status %d %s, want 503", code, body)
	}
}

func TestHealthz(t *testing.T) {
	h := start(t, func(o *Options) { o.CollectInterval = 2 * time.Second })
	if code, _, body := h.get("/healthz", nil); code != http.StatusOK || !strings.Contains(string(body), `"status":"ok"`) {
		t.Fatalf("fresh snapshot: %d %s", code, body)
	}
	h.clk.Advance(6 * time.Second) // exactly three intervals: still alive
	if code, _, _ := h.get("/healthz", nil); code != http.StatusOK {
		t.Errorf("at three intervals: %d, want 200", code)
	}
	h.clk.Advance(time.Second)
	if code, _, body := h.get("/healthz", nil); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "stalled") {
		t.Errorf("stalled collector: %d %s, want 503 stalled", code, body)
	}
	h.src.set(nil)
	if code, _, body := h.get("/healthz", nil); code != http.StatusServiceUnavailable || !strings.Contains(string(body), "starting") {
		t.Errorf("no snapshot: %d %s, want 503 starting", code, body)
	}
}

func TestRESTAuth(t *testing.T) {
	const key = "rest-key-123"
	h := start(t, func(o *Options) { o.Config.APIKey = config.Secret(key) })
	for _, path := range []string{"/api/system/performance", "/api/system/performance/history", "/metrics"} {
		if code, hdr, _ := h.get(path, nil); code != http.StatusUnauthorized || hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%s without a key: %d, want 401 with WWW-Authenticate", path, code)
		}
		if code, _, _ := h.get(path+"?api_key=wrong", nil); code != http.StatusUnauthorized {
			t.Errorf("%s with a wrong key: %d, want 401", path, code)
		}
	}
	for name, hdr := range map[string]http.Header{
		"X-API-Key": {"X-Api-Key": {key}},
		"Bearer":    {"Authorization": {"Bearer " + key}},
	} {
		if code, _, _ := h.get("/api/system/performance", hdr); code != http.StatusOK {
			t.Errorf("%s: %d, want 200", name, code)
		}
	}
	if code, _, _ := h.get("/metrics?api_key="+key, nil); code != http.StatusOK {
		t.Errorf("/metrics with ?api_key: %d", code)
	}
	if code, _, _ := h.get("/healthz", nil); code != http.StatusOK {
		t.Errorf("/healthz needs no key, got %d", code)
	}
	if strings.Contains(h.logs.String(), key) || strings.Contains(h.logs.String(), "wrong") {
		t.Errorf("a key reached the log:\n%s", h.logs.String())
	}
}

func TestRESTMethodAndUnknownPath(t *testing.T) {
	h := start(t, nil)
	req, _ := http.NewRequest(http.MethodPost, h.base+"/api/system/performance", nil)
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if code, _, _ := h.get("/nope", nil); code != http.StatusNotFound {
		t.Errorf("unknown path: %d", code)
	}
}

func TestPageHandler(t *testing.T) {
	h := start(t, func(o *Options) {
		o.Page = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("page " + r.URL.Path)) })
	})
	if code, _, body := h.get("/index.html", nil); code != http.StatusOK || string(body) != "page /index.html" {
		t.Errorf("page: %d %s", code, body)
	}
}

// Frames carry only the newest FrameAlertLog entries of the alert log (the page ignores
// it; all 200 would make every frame 54 KB), history points none, and
// /api/system/alerts the whole log. The published snapshot is not changed.
func TestAlertLogOnTheWire(t *testing.T) {
	snap := fixtureSnapshot(t, t0)
	h := start(t, func(o *Options) { o.History = historyOf{snap} })
	for i := range 200 {
		snap.AlertLog = append(snap.AlertLog, snapshot.AlertLogEntry{Severity: "warning", Metric: "host_cpu",
			Message: "CPU high: " + strconv.Itoa(i), Raised: snapshot.Time{Time: t0}})
	}
	h.src.set(snap)
	var perf struct {
		AlertLog []snapshot.AlertLogEntry `json:"alert_log"`
	}
	_, _, body := h.get("/api/system/performance", nil)
	if err := json.Unmarshal(body, &perf); err != nil {
		t.Fatal(err)
	}
	if len(perf.AlertLog) != FrameAlertLog || perf.AlertLog[0].Message != "CPU high: 0" || len(snap.AlertLog) != 200 {
		t.Errorf("frame log %d entries (first %q); snapshot keeps %d", len(perf.AlertLog), perf.AlertLog[0].Message, len(snap.AlertLog))
	}
	var alerts struct {
		Active []snapshot.Alert         `json:"active"`
		Log    []snapshot.AlertLogEntry `json:"log"`
	}
	code, _, body := h.get("/api/system/alerts", nil)
	if err := json.Unmarshal(body, &alerts); err != nil || code != http.StatusOK || len(alerts.Log) != 200 || len(alerts.Active) != len(snap.Alerts) {
		t.Errorf("/api/system/alerts: %d, %d log entries, %d active (%v)", code, len(alerts.Log), len(alerts.Active), err)
	}
	_, _, body = h.get("/api/system/performance/history?time_range=5m", nil)
	if !strings.Contains(string(body), `"count":1`) || strings.Contains(string(body), "CPU high") {
		t.Errorf("history points must carry no alert log: %.300s", body)
	}
}

// historyOf answers every range with the same snapshots.
type historyOf []*snapshot.Snapshot

func (h historyOf) Snapshots(history.Range) []*snapshot.Snapshot { return h }

// Without an API key the feed answers only to IP addresses, localhost, this machine's
// names and serve.allowed_hosts: a page whose name was made to resolve to 127.0.0.1 (DNS
// rebinding) gets 403 on REST and on the socket. With a key the key is the guard.
func TestHostAllowList(t *testing.T) {
	h := start(t, func(o *Options) { o.Config.AllowedHosts = []string{"nvr.home.lan"} })
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for host, want := range map[string]int{
		"127.0.0.1:8089": http.StatusOK, "localhost:8089": http.StatusOK, "[::1]:8089": http.StatusOK,
		"NVR.home.lan": http.StatusOK, "evil.example:8089": http.StatusForbidden, "nvr.home.lan.evil.example": http.StatusForbidden,
	} {
		for _, path := range []string{"/api/system/performance", "/ws/system"} {
			req, _ := http.NewRequest(http.MethodGet, h.base+path, nil)
			req.Host = host
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.StatusCode
			if path == "/ws/system" && want == http.StatusOK {
				want = http.StatusUpgradeRequired // a plain GET reaches the WebSocket handshake
			}
			if (got == http.StatusForbidden) != (want == http.StatusForbidden) {
				t.Errorf("Host %s %s: %d, want %d", host, path, got, want)
			}
		}
	}
	keyed := start(t, func(o *Options) { o.Config.APIKey = "k" })
	req, _ := http.NewRequest(http.MethodGet, keyed.base+"/api/system/performance?api_key=k", nil)
	req.Host = "evil.example"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with a key, any host with the key: %d", resp.StatusCode)
	}
}

// Wrong API keys on REST use up the per-IP allowance: past it every request, even one
// with the right key, gets 429 until the allowance comes back.
func TestRESTWrongKeysAreRateLimited(t *testing.T) {
	h := start(t, func(o *Options) { o.Config.APIKey = "right"; o.Config.RateLimitPerMinute = 3 })
	for i := range 3 {
		if code, _, _ := h.get("/api/system/performance?api_key=wrong", nil); code != http.StatusUnauthorized {
			t.Fatalf("wrong key %d: %d, want 401", i, code)
		}
	}
	if code, _, _ := h.get("/api/system/performance?api_key=right", nil); code != http.StatusTooManyRequests {
		t.Errorf("after 3 wrong keys: %d, want 429", code)
	}
	h.clk.Advance(time.Minute)
	if code, _, _ := h.get("/api/system/performance?api_key=right", nil); code != http.StatusOK {
		t.Errorf("a minute later: %d, want 200", code)
	}
}

// TestHistoryEndpointEvenSpacing is issue 12 item 6: with 70 minutes of 5 s snapshots
// whose latest falls mid-minute, every range's points are exactly its resolution apart
// (60m used to return 30 s and 60 s gaps).
func TestHistoryEndpointEvenSpacing(t *testing.T) {
	store := history.NewStore()
	tmpl := fixtureSnapshot(t, t0)
	start0 := t0.Add(-70*time.Minute + 2*time.Second)
	for ts := start0; !ts.After(t0.Add(32 * time.Second)); ts = ts.Add(5 * time.Second) {
		s := *tmpl
		s.Timestamp = snapshot.Time{Time: ts}
		store.Process(&s)
	}
	h := start(t, func(o *Options) { o.History = store })
	for _, rng := range []struct {
		name string
		step time.Duration
	}{{"5m", 5 * time.Second}, {"15m", 15 * time.Second}, {"60m", time.Minute}} {
		code, _, body := h.get("/api/system/performance/history?time_range="+rng.name, nil)
		var got struct {
			Snapshots []struct {
				Timestamp snapshot.Time `json:"timestamp"`
			} `json:"snapshots"`
		}
		if err := json.Unmarshal(body, &got); code != http.StatusOK || err != nil {
			t.Fatalf("%s: status %d: %v", rng.name, code, err)
		}
		if len(got.Snapshots) != history.Points {
			t.Fatalf("%s: %d points, want %d", rng.name, len(got.Snapshots), history.Points)
		}
		for i := 1; i < len(got.Snapshots); i++ {
			if gap := got.Snapshots[i].Timestamp.Sub(got.Snapshots[i-1].Timestamp.Time); gap != rng.step {
				t.Fatalf("%s: points %d and %d are %s apart, want %s", rng.name, i-1, i, gap, rng.step)
			}
		}
	}
}
