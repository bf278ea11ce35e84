package collector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// BackendSource reads the stack's FastAPI backend: /api/system/stats (overview),
// /api/system/health/ready (workers; a 503 carries the same body and is read too) and
// /api/system/telemetry (stage latencies and queue depths). The three requests go
// together (Collect); the source fails only when none of them answered.
type BackendSource struct {
	urls   [3]string // the stats, readiness and telemetry endpoints' URLs
	client *HTTPClient
	// header carries X-API-Key when backend.api_key is set.
	header http.Header
}

// NewBackendSource returns a source for the backend of cfg (url http://localhost:8000,
// api_key sent as X-API-Key) whose requests never outlive t.Request.
func NewBackendSource(cfg config.ServiceConfig, t Timeouts) *BackendSource {
	base := strings.TrimRight(cfg.URL.Value(), "/")
	b := &BackendSource{
		urls:   [3]string{base + backendStatsPath, base + backendReadyPath, base + backendTelemetryPath},
		client: NewHTTPClient(t.Request),
	}
	if key := cfg.APIKey.Value(); key != "" {
		b.header = http.Header{"X-Api-Key": {key}}
	}
	return b
}

// Name returns "backend".
func (b *BackendSource) Name() snapshot.SourceName { return snapshot.SourceBackend }

// Close releases idle connections.
func (b *BackendSource) Close() error { b.client.CloseIdle(); return nil }

// backendResult is one collection's findings; each part is nil when its endpoint failed,
// with the reason beside it.
type backendResult struct {
	overview *snapshot.Overview
	workers  *snapshot.Workers
	parts    InferenceReadings
	hasParts bool
	statsErr string
	readyErr string
	telemErr string
}

// Backend endpoints, in the order Collect asks them.
const (
	backendStatsPath     = "/api/system/stats"
	backendReadyPath     = "/api/system/health/ready"
	backendTelemetryPath = "/api/system/telemetry"
)

// Collect fetches the three endpoints, pipelined on one connection while the backend
// answers pipelined requests (uvicorn does; HTTPClient.GetAll), else side by side.
func (b *BackendSource) Collect(ctx context.Context) (Result, error) {
	resps, errs := b.client.GetAll(ctx, b.urls[:], b.header)
	var r backendResult
	r.statsErr = backendPart("stats", resps[0], errs[0], false, func(body []byte) error {
		ov, err := ParseBackendStats(body)
		if err == nil {
			r.overview = &ov
		}
		return err
	})
	r.readyErr = backendPart("health/ready", resps[1], errs[1], true, func(body []byte) error {
		w, err := ParseBackendReady(body)
		if err == nil {
			r.workers = &w
		}
		return err
	})
	r.telemErr = backendPart("telemetry", resps[2], errs[2], false, func(body []byte) error {
		p, err := ParseBackendTelemetry(body)
		if err == nil {
			r.parts, r.hasParts = p, true
		}
		return err
	})
	if r.overview == nil && r.workers == nil && !r.hasParts {
		return Result{}, errors.New(joinNonEmpty("; ", r.statsErr, r.readyErr, r.telemErr))
	}
	return Result{Readings: r.readings(), Via: snapshot.ViaBackend}, nil
}

// backendPart reads one endpoint's answer with parse and returns why its part is
// missing, "" when it was read. A non-2xx status is a failure unless allow503 (the
// readiness endpoint answers 503 with its full body while the system is not ready).
func backendPart(name string, resp *Response, err error, allow503 bool, parse func(body []byte) error) string {
	if err == nil {
		if resp.Status/100 != 2 && !(allow503 && resp.Status == http.StatusServiceUnavailable) {
			err = fmt.Errorf("HTTP %d", resp.Status)
		} else {
			err = parse(resp.Body)
		}
	}
	if err != nil {
		return name + ": " + err.Error()
	}
	return ""
}

// readings are what the three endpoints gave, with why a part is missing.
func (r backendResult) readings() Readings {
	out := Readings{Overview: r.overview, Workers: r.workers}
	if r.hasParts {
		out.Inference = r.parts
	}
	if r.overview == nil {
		out.note(partOverview, r.statsErr)
	}
	if r.workers == nil {
		out.note(partWorkers, r.readyErr)
	}
	if !r.hasParts {
		for _, p := range snapshot.InferenceParts {
			if p != snapshot.PartThroughput {
				out.note(string(p), r.telemErr)
			}
		}
	}
	return out
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
