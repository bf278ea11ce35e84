package collector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// DetectorSource reads the object detector's GET /health (RT-DETRv2 or YOLO26) into
// ai_models.<detector_key>. The GPU numbers a YOLO26 detector reports are a GPU reading,
// the resolver's last resort after NVML and Prometheus.
type DetectorSource struct {
	client *HTTPClient // bounds each request by the source's request timeout
	url    string
	apiKey config.Secret
}

// NewDetectorSource returns the detector source for cfg. t.Request bounds each
// collection, so a timeout is reported in the same tick.
func NewDetectorSource(cfg config.DetectorConfig, t Timeouts) *DetectorSource {
	timeout := t.Request
	if timeout <= 0 {
		timeout = defaultHTTPTimeout
	}
	return &DetectorSource{
		client: NewHTTPClient(timeout),
		url:    strings.TrimRight(cfg.URL.Value(), "/") + "/health",
		apiKey: cfg.APIKey,
	}
}

// Name returns "detector".
func (d *DetectorSource) Name() snapshot.SourceName { return snapshot.SourceDetector }

// Close drops the idle keep-alive connections.
func (d *DetectorSource) Close() error { d.client.CloseIdle(); return nil }

// Collect asks /health once. A detector that cannot be reached or answers badly is a
// finding, not a collection failure: the card says unreachable/unhealthy/degraded and why.
func (d *DetectorSource) Collect(ctx context.Context) (Result, error) {
	// The one request is bounded by the client's timeout.
	var hdr http.Header
	if d.apiKey != "" {
		hdr = http.Header{"X-Api-Key": {d.apiKey.Value()}}
	}
	var det snapshot.Detector
	var gpu *DetectorGPU
	resp, err := d.client.Get(ctx, d.url, hdr)
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		det = snapshot.Detector{Status: snapshot.StatusDegraded, Error: err.Error()}
	case err != nil:
		det = snapshot.Detector{Status: downStatus(err), Error: err.Error()}
	default:
		det, gpu = ParseDetectorHealth(resp.Status, resp.Body)
	}
	res := Result{Via: snapshot.ViaHTTP, Apply: func(s *snapshot.Snapshot) { s.AIModels.Detector = det }}
	if gpu != nil {
		res.Readings.GPU = &GPUReading{Devices: []snapshot.GPU{gpu.device()}}
	}
	return res, nil
}

// DetectorGPU is the GPU reading a YOLO26 detector adds to its /health.
type DetectorGPU struct {
	Device                               string
	Utilization, Temperature, PowerWatts *float64
}

// device is the reading as a GPU, the last-resort source: a VRAM total is never
// invented (the detector's vram_used_gb is its own tensors, not the device's).
func (g *DetectorGPU) device() snapshot.GPU {
	name := "GPU (via detector)"
	if g.Device != "" {
		name = g.Device + " (via detector)"
	}
	return snapshot.GPU{
		Name:        name,
		Utilization: g.Utilization,
		Temperature: g.Temperature,
		PowerWatts:  g.PowerWatts,
		Source:      snapshot.ViaDetector,
	}
}

// detectorHealth is the detector's /health body; pointers tell absent from zero.
type detectorHealth struct {
	Status          *string  `json:"status"`
	ModelLoaded     *bool    `json:"model_loaded"`
	Device          *string  `json:"device"`
	CUDAAvailable   *bool    `json:"cuda_available"`
	ModelName       *string  `json:"model_name"`
	VRAMUsedGB      *float64 `json:"vram_used_gb"`
	GPUUtilization  *float64 `json:"gpu_utilization"`
	Temperature     *float64 `json:"temperature"`
	PowerWatts      *float64 `json:"power_watts"`
	TensorRTEnabled *bool    `json:"tensorrt_enabled"`
}

// ParseDetectorHealth maps an HTTP status and /health body to the detector's card and
// the GPU numbers it reports (nil when none). The card's Status is always one of
// healthy, degraded or unhealthy, and Error says why when it is not healthy.
func ParseDetectorHealth(status int, body []byte) (snapshot.Detector, *DetectorGPU) {
	var h detectorHealth
	decodeErr := DecodeJSON(body, &h)
	var fieldErr *JSONTypeError
	typeErr := errors.As(decodeErr, &fieldErr)
	if status >= 300 && status != http.StatusServiceUnavailable || decodeErr != nil && !typeErr {
		h = detectorHealth{} // nothing of a failed answer is trusted
	}
	det := snapshot.Detector{
		ModelLoaded:     h.ModelLoaded,
		CUDAAvailable:   h.CUDAAvailable,
		TensorRTEnabled: h.TensorRTEnabled,
		VRAMUsedBytes:   gibToBytes(h.VRAMUsedGB),
		GPUUtilization:  finite(h.GPUUtilization),
		Temperature:     finite(h.Temperature),
		PowerWatts:      finite(h.PowerWatts),
	}
	if h.ModelName != nil {
		if m := ShortModelName(*h.ModelName); m != "" {
			det.Model = &m
		}
	}
	if h.Device != nil {
		if dev := sanitizeName(strings.TrimSpace(*h.Device)); dev != "" {
			det.Device = &dev
		}
	}
	det.Status = detectorStatus(h)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		det.Status = snapshot.StatusUnhealthy
		det.Error = fmt.Sprintf("HTTP %d: API key missing or rejected (detector.api_key)", status)
	case status == http.StatusServiceUnavailable:
		if det.Status == snapshot.StatusHealthy {
			det.Status = snapshot.StatusUnhealthy
		}
		det.Error = "HTTP 503"
	case status < 200 || status >= 300:
		det.Status = snapshot.StatusUnhealthy
		det.Error = fmt.Sprintf("HTTP %d", status)
	case decodeErr != nil:
		det.Status = snapshot.StatusDegraded
		det.Error = CleanText(decodeErr.Error(), 120)
	case det.Status != snapshot.StatusHealthy && h.ModelLoaded != nil && !*h.ModelLoaded:
		det.Error = "model not loaded"
	case h.Status == nil && h.ModelLoaded == nil:
		det.Error = "no status or model_loaded in /health"
	}
	var gpu *DetectorGPU
	if status >= 200 && status < 300 && (det.GPUUtilization != nil || det.Temperature != nil || det.PowerWatts != nil) {
		gpu = &DetectorGPU{Utilization: det.GPUUtilization, Temperature: det.Temperature, PowerWatts: det.PowerWatts}
		if det.Device != nil {
			gpu.Device = *det.Device
		}
	}
	return det, gpu
}

// detectorStatus reads the body's status; a detector is healthy only with its model
// loaded (contract.md §2), and without a status word model_loaded decides.
func detectorStatus(h detectorHealth) string {
	st := ""
	if h.Status != nil {
		switch strings.ToLower(strings.TrimSpace(*h.Status)) {
		case "healthy", "ok", "ready", "up":
			st = snapshot.StatusHealthy
		case "degraded", "loading", "starting", "warming_up":
			st = snapshot.StatusDegraded
		case "unhealthy", "error", "down", "failed":
			st = snapshot.StatusUnhealthy
		}
	}
	if h.ModelLoaded != nil {
		switch {
		case !*h.ModelLoaded && st == snapshot.StatusHealthy, !*h.ModelLoaded && st == "":
			st = snapshot.StatusDegraded
		case *h.ModelLoaded && st == "":
			st = snapshot.StatusHealthy
		}
	}
	if st == "" {
		st = snapshot.StatusDegraded
	}
	return st
}

// modelExtensions are the weight-file suffixes a short model name drops.
var modelExtensions = []string{
	".engine", ".pt", ".pth", ".onnx", ".safetensors", ".bin", ".trt", ".plan",
	".gguf", ".torchscript", ".ckpt", ".tflite", ".pb", ".xml",
}

// ShortModelName turns a model path or hub id into its short name:
// "/models/yolo26m.engine" → "yolo26m", "PekingU/rtdetr_r50vd_coco_o365" →
// "rtdetr_r50vd_coco_o365".
func ShortModelName(name string) string {
	name = strings.TrimSpace(name)
	name = strings.TrimRight(name, `/\`)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	lower := strings.ToLower(name)
	for _, ext := range modelExtensions {
		if strings.HasSuffix(lower, ext) && len(name) > len(ext) {
			name = name[:len(name)-len(ext)]
			break
		}
	}
	return sanitizeName(name)
}

// finite keeps a reported number, dropping NaN and infinities.
func finite(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return snapshot.F(*v)
}

// gibToBytes turns a reported GiB figure into bytes; negative, NaN and infinite
// figures are unknown.
func gibToBytes(gib *float64) *uint64 {
	if gib == nil || snapshot.F(*gib) == nil || *gib < 0 || *gib > 1<<24 {
		return nil
	}
	return snapshot.U(uint64(math.Round(*gib * snapshot.GiB)))
}
