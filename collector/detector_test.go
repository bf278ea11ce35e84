package collector

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// route is one canned answer of a test server.
type route struct {
	status int
	body   []byte
}

// replayServer answers each path with its route (404 otherwise) and records the request
// headers it saw, per path.
type replayServer struct {
	*httptest.Server
	mu      sync.Mutex
	routes  map[string]route
	headers map[string]http.Header
	hits    map[string]int
}

func newReplayServer(t testing.TB, routes map[string]route) *replayServer {
	t.Helper()
	rs := &replayServer{routes: routes, headers: map[string]http.Header{}, hits: map[string]int{}}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rt, ok := rs.routes[r.URL.Path]
		rs.headers[r.URL.Path] = r.Header.Clone()
		rs.hits[r.URL.Path]++
		rs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(rt.status)
		w.Write(rt.body)
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *replayServer) set(path string, rt route) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.routes[path] = rt
}

func (rs *replayServer) header(path, key string) string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.headers[path].Get(key)
}

func (rs *replayServer) hitCount(path string) int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.hits[path]
}

func collectOnce(t testing.TB, src Source, s *snapshot.Snapshot) *snapshot.Snapshot {
	t.Helper()
	if s == nil {
		s = snapshot.New(time.Unix(1_800_000_000, 0))
	}
	res, err := src.Collect(context.Background())
	if err != nil {
		t.Fatalf("%s: Collect: %v", src.Name(), err)
	}
	assembled := Assemble(s.Timestamp.Time, 0, map[snapshot.SourceName]Result{src.Name(): res})
	assembled.AIModels.DetectorKey, assembled.Inference.DetectorKey = s.AIModels.DetectorKey, s.AIModels.DetectorKey
	*s = *assembled
	return s
}

func newTestDetector(t testing.TB, url string, key config.Secret) *DetectorSource {
	d := NewDetectorSource(config.DetectorConfig{Enabled: true, URL: config.SecretURL(url + "/"), APIKey: key, Key: "rtdetr"}, reqTimeouts(2*time.Second))
	t.Cleanup(func() { d.Close() })
	return d
}

func TestDetectorFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		want    snapshot.Detector
		gpu     bool
	}{
		{"detector-health-rtdetr.json", snapshot.Detector{Status: "healthy", VRAMUsedBytes: snapshot.U(182536110),
			Model: str("rtdetr_v2_r50vd"), Device: str("cuda:0")}, false},
		{"detector-health-yolo26.json", snapshot.Detector{Status: "healthy", VRAMUsedBytes: snapshot.U(1524713390),
			Model: str("yolo26m"), Device: str("cuda:0"), GPUUtilization: snapshot.F(37),
			Temperature: snapshot.F(61), PowerWatts: snapshot.F(118.4), TensorRTEnabled: boolPtr(true)}, true},
		{"detector-health-degraded.json", snapshot.Detector{Status: "degraded", Model: str("rtdetr_r50vd_coco_o365"),
			Device: str("cpu"), Error: "model not loaded"}, false},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			srv := newReplayServer(t, map[string]route{"/health": {200, testenv.ReadFixture(t, c.fixture)}})
			s := collectOnce(t, newTestDetector(t, srv.URL, "det-key"), nil)
			got := s.AIModels.Detector
			if srv.header("/health", "X-API-Key") != "det-key" {
				t.Errorf("X-API-Key not sent")
			}
			// The page's four keys and the extras.
			gotJSON, _ := json.Marshal(pageDetector(got))
			wantJSON, _ := json.Marshal(pageDetector(c.want))
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("card = %s, want %s", gotJSON, wantJSON)
			}
			if got.Error != c.want.Error {
				t.Errorf("Error = %q, want %q", got.Error, c.want.Error)
			}
			if !eqF(got.GPUUtilization, c.want.GPUUtilization) || !eqF(got.Temperature, c.want.Temperature) ||
				!eqF(got.PowerWatts, c.want.PowerWatts) {
				t.Errorf("YOLO26 extras = %v %v %v", fmtPtr(got.GPUUtilization), fmtPtr(got.Temperature), fmtPtr(got.PowerWatts))
			}
			if got.ModelLoaded == nil || got.CUDAAvailable == nil {
				t.Errorf("model_loaded/cuda_available dropped: %+v", got)
			}
			if c.gpu != (len(s.GPUs) == 1) {
				t.Fatalf("GPUs = %+v, want a detector GPU: %v", s.GPUs, c.gpu)
			}
			if c.gpu {
				g := s.GPUs[0]
				if g.Source != "detector" || !eqF(g.Utilization, snapshot.F(37)) || g.MemoryTotalBytes != nil || g.MemoryUsedBytes != nil {
					t.Errorf("detector GPU = %+v: want source detector, utilization 37, no VRAM numbers", g)
				}
				if s.GPU == nil || s.GPU.Name == "" || s.GPUStatus.Source != "detector" {
					t.Errorf("gpu = %+v, status %+v", s.GPU, s.GPUStatus)
				}
			}
		})
	}
}

type pageDet struct {
	Status string   `json:"status"`
	VRAMGB *float64 `json:"vram_gb"`
	Model  *string  `json:"model"`
	Device *string  `json:"device"`
}

func pageDetector(d snapshot.Detector) pageDet {
	return pageDet{d.Status, snapshot.Round(snapshot.InGiB(d.VRAMUsedBytes), 2), d.Model, d.Device}
}

func boolPtr(b bool) *bool { return &b }

func eqF(a, b *float64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func TestDetectorGPUOnlyWithoutNVML(t *testing.T) {
	srv := newReplayServer(t, map[string]route{"/health": {200, testenv.ReadFixture(t, "detector-health-yolo26.json")}})
	det := newTestDetector(t, srv.URL, "")
	res, err := det.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// NVML with a device: the detector's numbers must not replace it.
	nvmlGPU := snapshot.GPU{Name: "NVIDIA RTX A5500", Utilization: snapshot.F(12), Source: "nvml"}
	nv := Result{Readings: Readings{GPU: &GPUReading{Devices: []snapshot.GPU{nvmlGPU}}}}
	s := Assemble(time.Now(), 0, map[snapshot.SourceName]Result{"nvml": nv, "detector": res})
	if len(s.GPUs) != 1 || s.GPUs[0].Source != "nvml" || s.GPU.Name != "NVIDIA RTX A5500" || s.GPUStatus.Source != "nvml" {
		t.Errorf("detector overrode NVML: %+v / %+v", s.GPUs, s.GPUStatus)
	}
	if srv.header("/health", "X-API-Key") != "" {
		t.Error("X-API-Key sent without a configured key")
	}

	// NVML unavailable: its reason stays, the numbers come from the detector.
	nv = Result{Readings: Readings{GPU: &GPUReading{Status: snapshot.GPUStatus{Error: "NVIDIA driver not loaded"}}}}
	s = Assemble(time.Now(), 0, map[snapshot.SourceName]Result{"nvml": nv, "detector": res})
	if s.GPUStatus.Source != "detector" || s.GPUStatus.Error != "NVIDIA driver not loaded" {
		t.Errorf("GPUStatus = %+v", s.GPUStatus)
	}
}

func TestDetectorAPIKeyRejected(t *testing.T) {
	srv := newReplayServer(t, map[string]route{"/health": {401, []byte(`{"detail":"Invalid API key"}`)}})
	s := collectOnce(t, newTestDetector(t, srv.URL, "wrong-key-value"), nil)
	d := s.AIModels.Detector
	if d.Status != "unhealthy" || !strings.Contains(d.Error, "HTTP 401") {
		t.Errorf("card = %+v", d)
	}
	js, _ := json.Marshal(wire.Performance(s))
	if strings.Contains(string(js), "wrong-key-value") {
		t.Error("the API key reached the snapshot")
	}
}

func TestDetectorUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	s := collectOnce(t, newTestDetector(t, url, ""), nil)
	if d := s.AIModels.Detector; d.Status != "unreachable" || d.Error != "connection refused" {
		t.Errorf("card = %+v, want unreachable: connection refused", d)
	}
}

func TestParseDetectorHealth(t *testing.T) {
	cases := []struct {
		name         string
		status       int
		body         string
		wantStatus   string
		wantErr      string
		wantModelNil bool
	}{
		{"503 with a body", 503, `{"status":"unhealthy","model_loaded":false,"model_name":"/m/a.pt"}`, "unhealthy", "HTTP 503", false},
		{"503 claiming healthy", 503, `{"status":"healthy","model_loaded":true}`, "unhealthy", "HTTP 503", true},
		{"500", 500, `Internal Server Error`, "unhealthy", "HTTP 500", true},
		{"HTML", 200, `<html><body>nginx</body></html>`, "degraded", "HTML instead of JSON", true},
		{"truncated", 200, `{"status":"healthy","model_lo`, "degraded", "truncated JSON", true},
		{"wrong type keeps the rest", 200, `{"status":"healthy","model_loaded":true,"vram_used_gb":"0.17","model_name":"/m/x.pt"}`,
			"degraded", `field "vram_used_gb" has a string, expected a number`, false},
		{"array", 200, `[1,2]`, "degraded", "a JSON array, expected an object", true},
		{"empty", 200, ``, "degraded", "empty response body", true},
		{"no status word", 200, `{"model_loaded":true}`, "healthy", "", true},
		{"nothing useful", 200, `{}`, "degraded", "no status or model_loaded in /health", true},
		{"ok word", 200, `{"status":"ok","model_loaded":true}`, "healthy", "", true},
		{"healthy without model", 200, `{"status":"healthy","model_loaded":false}`, "degraded", "model not loaded", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, _ := ParseDetectorHealth(c.status, []byte(c.body))
			if d.Status != c.wantStatus || d.Error != c.wantErr {
				t.Errorf("= %q %q, want %q %q", d.Status, d.Error, c.wantStatus, c.wantErr)
			}
			if (d.Model == nil) != c.wantModelNil {
				t.Errorf("model = %v, want nil: %v", d.Model, c.wantModelNil)
			}
		})
	}
}

func TestShortModelName(t *testing.T) {
	for in, want := range map[string]string{
		"/export/ai_models/rt-detrv2/rtdetr_v2_r50vd": "rtdetr_v2_r50vd",
		"/models/yolo26m.engine":                      "yolo26m",
		"PekingU/rtdetr_r50vd_coco_o365":              "rtdetr_r50vd_coco_o365",
		"yolo26n.pt":                                  "yolo26n",
		"/models/detr/":                               "detr",
		`C:\models\best.onnx`:                         "best",
		"nemotron-mini-4b-instruct-q4_k_m.gguf":       "nemotron-mini-4b-instruct-q4_k_m",
		"model.v2":                                    "model.v2",
		".pt":                                         ".pt",
		"":                                            "",
	} {
		if got := ShortModelName(in); got != want {
			t.Errorf("ShortModelName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDetectorKeyInJSON(t *testing.T) {
	srv := newReplayServer(t, map[string]route{"/health": {200, testenv.ReadFixture(t, "detector-health-yolo26.json")}})
	s := snapshot.New(time.Now())
	s.AIModels.DetectorKey = "yolo26"
	collectOnce(t, newTestDetector(t, srv.URL, ""), s)
	var page struct {
		AIModels map[string]map[string]any `json:"ai_models"`
	}
	js, _ := json.Marshal(wire.Performance(s))
	if err := json.Unmarshal(js, &page); err != nil {
		t.Fatal(err)
	}
	y := page.AIModels["yolo26"]
	if y["status"] != "healthy" || y["vram_gb"] != 1.42 || y["model"] != "yolo26m" || y["device"] != "cuda:0" {
		t.Errorf("ai_models.yolo26 = %v", y)
	}
}
