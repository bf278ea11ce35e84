package collector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/workers"
	"github.com/hsi-top/hsi-top/snapshot"
)

// BackendSource reads the stack's FastAPI backend: /api/system/stats (overview),
// /api/system/health/ready (workers; a 503 carries the same body and is read too) and
// /api/system/telemetry (stage latencies and queue depths). The three requests run
// concurrently; the source fails only when none of them answered.
type BackendSource struct {
	base   string
	client *HTTPClient
	// apiKey, when set, is sent as X-API-Key (backend.api_key).
	apiKey string
}

// NewBackendSource returns a source for the backend of cfg (url http://localhost:8000,
// api_key sent as X-API-Key) whose requests never outlive t.Request.
func NewBackendSource(cfg config.ServiceConfig, t Timeouts) *BackendSource {
	return &BackendSource{base: strings.TrimRight(cfg.URL.Value(), "/"), client: NewHTTPClient(t.Request), apiKey: cfg.APIKey.Value()}
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

// Collect fetches the three endpoints.
func (b *BackendSource) Collect(ctx context.Context) (Result, error) {
	var r backendResult
	var wg sync.WaitGroup
	wg.Add(3)
	workers.Go(ctx, func() {
		defer wg.Done()
		body, err := b.get(ctx, "/api/system/stats", false)
		if err == nil {
			var ov snapshot.Overview
			if ov, err = ParseBackendStats(body); err == nil {
				r.overview = &ov
			}
		}
		if err != nil {
			r.statsErr = "stats: " + err.Error()
		}
	})
	workers.Go(ctx, func() {
		defer wg.Done()
		body, err := b.get(ctx, "/api/system/health/ready", true)
		if err == nil {
			var w snapshot.Workers
			if w, err = ParseBackendReady(body); err == nil {
				r.workers = &w
			}
		}
		if err != nil {
			r.readyErr = "health/ready: " + err.Error()
		}
	})
	workers.Go(ctx, func() {
		defer wg.Done()
		body, err := b.get(ctx, "/api/system/telemetry", false)
		if err == nil {
			var p InferenceReadings
			if p, err = ParseBackendTelemetry(body); err == nil {
				r.parts, r.hasParts = p, true
			}
		}
		if err != nil {
			r.telemErr = "telemetry: " + err.Error()
		}
	})
	wg.Wait()
	if r.overview == nil && r.workers == nil && !r.hasParts {
		return Result{}, errors.New(joinNonEmpty("; ", r.statsErr, r.readyErr, r.telemErr))
	}
	return Result{Readings: r.readings(), Via: snapshot.ViaBackend}, nil
}

// get fetches one endpoint; a non-2xx status is an error unless allow503 (the readiness
// endpoint answers 503 with its full body while the system is not ready).
func (b *BackendSource) get(ctx context.Context, path string, allow503 bool) ([]byte, error) {
	var hdr http.Header
	if b.apiKey != "" {
		hdr = http.Header{"X-Api-Key": {b.apiKey}}
	}
	resp, err := b.client.Get(ctx, b.base+path, hdr)
	if err != nil {
		return nil, err
	}
	if resp.Status/100 != 2 && !(allow503 && resp.Status == http.StatusServiceUnavailable) {
		return nil, fmt.Errorf("HTTP %d", resp.Status)
	}
	return resp.Body, nil
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
