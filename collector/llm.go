package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/workers"
	"github.com/hsi-top/hsi-top/snapshot"
)

// maxSlotDetails bounds the per-slot rows kept: the counts stay exact for any number of
// slots, but a hostile server cannot make the snapshot huge.
const maxSlotDetails = 64

// LLMSource reads llama.cpp's llama-server: /health, /slots and (when the server runs
// with --metrics) /metrics. The slot list carries prompt text; it is decoded into a
// struct without a prompt field and the body is wiped after parsing, so the text is
// never kept, shown, logged or served.
type LLMSource struct {
	client  *HTTPClient
	base    string
	apiKey  config.Secret
	now     func() time.Time
	timeout time.Duration

	mu sync.Mutex // guards the counters below
	// prev are the counters of the last /metrics read, for the rates.
	prev   LLMMetrics
	prevAt time.Time
	// props are the last /props and /v1/models answers (llm_props.go).
	props    LLMProps
	propsAt  time.Time
	propsErr string
}

// NewLLMSource returns the llama.cpp source for cfg. t.Request bounds each collection
// (all three requests), so a timeout is reported in the same tick.
func NewLLMSource(cfg config.ServiceConfig, t Timeouts) *LLMSource {
	timeout := t.Request
	now := time.Now
	if timeout <= 0 {
		timeout = defaultHTTPTimeout
	}
	return &LLMSource{
		client:  NewHTTPClient(timeout),
		base:    strings.TrimRight(cfg.URL.Value(), "/"),
		apiKey:  cfg.APIKey,
		now:     now,
		timeout: timeout,
	}
}

// Name returns "llm".
func (l *LLMSource) Name() snapshot.SourceName { return snapshot.SourceLLM }

// Close drops the idle keep-alive connections.
func (l *LLMSource) Close() error { l.client.CloseIdle(); return nil }

// Collect reads /health and, when the model is ready, /slots and /metrics at once, each
// request under its own deadline (the HTTP client's), all within the collection's, so a
// hanging /slots does not lose the /metrics numbers. A server that is down or loading
// is a finding, not a failure: the card says so.
func (l *LLMSource) Collect(ctx context.Context) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	var hdr http.Header
	if l.apiKey != "" {
		hdr = http.Header{"Authorization": {"Bearer " + l.apiKey.Value()}}
	}
	out := l.readHealth(ctx, hdr)
	if out.Status == snapshot.StatusHealthy {
		var wg sync.WaitGroup
		wg.Add(3)
		// The three write disjoint fields of out (slots, metrics, props).
		workers.Go(ctx, func() { defer wg.Done(); l.readSlots(ctx, hdr, &out) })
		workers.Go(ctx, func() { defer wg.Done(); l.readMetrics(ctx, hdr, &out) })
		workers.Go(ctx, func() { defer wg.Done(); l.readProps(ctx, hdr, &out) })
		wg.Wait()
	}
	return Result{Via: snapshot.ViaHTTP, Apply: func(s *snapshot.Snapshot) {
		s.AIModels.Nemotron = out
		s.Nemotron = out
	}}, nil
}

// readHealth asks /health and returns the card's status.
func (l *LLMSource) readHealth(ctx context.Context, hdr http.Header) snapshot.LLM {
	out := snapshot.LLM{}
	resp, err := l.client.Get(ctx, l.base+"/health", hdr)
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		out.Status, out.Error = snapshot.StatusUnhealthy, "/health: "+err.Error()
	case err != nil:
		out.Status, out.Error = downStatus(err), err.Error()
	case resp.Status == http.StatusOK:
		out.Status = snapshot.StatusHealthy
	case resp.Status == http.StatusServiceUnavailable:
		out.Status = snapshot.StatusLoading
		out.SlotsError = "model loading"
	default:
		out.Status, out.Error = snapshot.StatusUnhealthy, fmt.Sprintf("/health: HTTP %d", resp.Status)
	}
	return out
}

// readSlots fills the slot numbers, or says why they are unknown (never 0 for unknown).
func (l *LLMSource) readSlots(ctx context.Context, hdr http.Header, out *snapshot.LLM) {
	resp, err := l.client.Get(ctx, l.base+"/slots", hdr)
	if err != nil {
		out.SlotsError = "/slots: " + err.Error()
		return
	}
	defer clear(resp.Body) // the body holds prompt text: wipe it once parsed
	switch resp.Status {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusNotImplemented:
		out.SlotsError = fmt.Sprintf("/slots disabled on the server (HTTP %d; llama-server --slots enables it)", resp.Status)
		return
	case http.StatusUnauthorized, http.StatusForbidden:
		if l.apiKey == "" {
			out.SlotsError = fmt.Sprintf("/slots needs the API key (HTTP %d; set llm.api_key)", resp.Status)
		} else {
			out.SlotsError = fmt.Sprintf("/slots rejected the API key (HTTP %d)", resp.Status)
		}
		return
	default:
		out.SlotsError = fmt.Sprintf("/slots: HTTP %d", resp.Status)
		return
	}
	slots, err := ParseSlots(resp.Body)
	if err != nil {
		out.SlotsError = "/slots: " + err.Error()
		return
	}
	out.SlotsActive, out.SlotsTotal, out.ContextSize = slots.Active, slots.Total, slots.ContextSize
	out.Slots = slots.Slots
	out.Model = slots.Model
}

// readMetrics fills the throughput numbers from /metrics; rates need two reads.
func (l *LLMSource) readMetrics(ctx context.Context, hdr http.Header, out *snapshot.LLM) {
	resp, err := l.client.Get(ctx, l.base+"/metrics", hdr)
	if err != nil {
		out.MetricsError = "/metrics: " + err.Error()
		return
	}
	switch resp.Status {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusNotImplemented:
		out.MetricsError = fmt.Sprintf("/metrics disabled on the server (HTTP %d; llama-server --metrics enables it)", resp.Status)
		return
	default:
		out.MetricsError = fmt.Sprintf("/metrics: HTTP %d", resp.Status)
		return
	}
	m, err := ParseLLMMetrics(resp.Body)
	if err != nil {
		out.MetricsError = "/metrics: " + err.Error()
		return
	}
	m, rejected := ValidateLLMMetrics(m)
	if len(rejected) > 0 {
		out.MetricsError = "/metrics: " + strings.Join(rejected, "; ")
	}
	now := l.now()
	l.mu.Lock()
	prev, prevAt := l.prev, l.prevAt
	l.prev, l.prevAt = m, now
	l.mu.Unlock()
	var dt float64
	if !prevAt.IsZero() {
		dt = now.Sub(prevAt).Seconds()
	}
	out.TokensPerSecond = counterRate(prev.TokensPredicted, m.TokensPredicted, dt)
	out.PromptTokensPerSecond = counterRate(prev.PromptTokens, m.PromptTokens, dt)
	out.KVCacheUsageRatio = finite(m.KVCacheUsage)
	out.RequestsProcessing = m.RequestsProcessing
	out.RequestsDeferred = m.RequestsDeferred
}

// counterRate is the per-second increase of a counter, or nil on the first read, after a
// reset (the server restarted) or without time between the reads.
func counterRate(prev, cur *float64, dt float64) *float64 {
	if prev == nil || cur == nil || dt <= 0 || *cur < *prev {
		return nil
	}
	return snapshot.F((*cur - *prev) / dt)
}

// llmSlot is one /slots entry. It deliberately has no prompt (or generated text) field:
// encoding/json skips unknown keys, so that text is never copied out of the body.
type llmSlot struct {
	ID           *int64          `json:"id"`
	NCtx         *int64          `json:"n_ctx"`
	IsProcessing *bool           `json:"is_processing"`
	State        *int64          `json:"state"`
	Model        *string         `json:"model"`
	NDecoded     *int64          `json:"n_decoded"`
	NRemain      *int64          `json:"n_remain"`
	NextToken    json.RawMessage `json:"next_token"`
}

type llmNextToken struct {
	NDecoded *int64 `json:"n_decoded"`
	NRemain  *int64 `json:"n_remain"`
}

// ParsedSlots is what /slots says: counts, context size and per-slot progress.
type ParsedSlots struct {
	// Active is nil when a slot says neither is_processing nor state.
	Active, Total, ContextSize *int64
	Slots                      []snapshot.LLMSlot
	Model                      *string
}

// ParseSlots reads a /slots body. A slot is busy when is_processing is true (current
// llama.cpp) or, on old builds, when state != 0. context_size is slot 0's n_ctx.
func ParseSlots(body []byte) (ParsedSlots, error) {
	var raw []llmSlot
	if err := DecodeJSON(body, &raw); err != nil {
		return ParsedSlots{}, err
	}
	if raw == nil && !bytes.Equal(bytes.TrimSpace(body), []byte("[]")) {
		return ParsedSlots{}, errors.New("null instead of a slot list")
	}
	var out ParsedSlots
	out.Total = snapshot.I(int64(len(raw)))
	active, known := int64(0), true
	for i, s := range raw {
		busy, ok := false, true
		switch {
		case s.IsProcessing != nil:
			busy = *s.IsProcessing
		case s.State != nil:
			busy = *s.State != 0
		default:
			ok = false
		}
		known = known && ok
		if busy {
			active++
		}
		if i == 0 && s.NCtx != nil && *s.NCtx >= 0 {
			out.ContextSize = snapshot.I(*s.NCtx)
		}
		if out.Model == nil && s.Model != nil {
			if m := ShortModelName(*s.Model); m != "" {
				out.Model = &m
			}
		}
		if i >= maxSlotDetails {
			continue
		}
		slot := snapshot.LLMSlot{ID: int64(i), Busy: busy, NDecoded: s.NDecoded, NRemain: s.NRemain, ContextSz: s.NCtx}
		if s.ID != nil {
			slot.ID = *s.ID
		}
		if nt, ok := parseNextToken(s.NextToken); ok {
			if nt.NDecoded != nil {
				slot.NDecoded = nt.NDecoded
			}
			if nt.NRemain != nil {
				slot.NRemain = nt.NRemain
			}
		}
		if slot.NRemain != nil && *slot.NRemain < 0 {
			slot.NRemain = nil // -1: no limit, not "minus one token left"
		}
		if slot.NDecoded != nil && *slot.NDecoded < 0 {
			slot.NDecoded = nil
		}
		out.Slots = append(out.Slots, slot)
	}
	if known {
		out.Active = snapshot.I(active)
	}
	if out.Slots == nil {
		out.Slots = []snapshot.LLMSlot{}
	}
	return out, nil
}

// parseNextToken reads next_token, an object in most builds and an array of objects in
// some; anything else is ignored.
func parseNextToken(raw json.RawMessage) (llmNextToken, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return llmNextToken{}, false
	}
	var nt llmNextToken
	switch raw[0] {
	case '{':
		if json.Unmarshal(raw, &nt) == nil {
			return nt, true
		}
	case '[':
		var list []llmNextToken
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			return list[0], true
		}
	}
	return llmNextToken{}, false
}

// LLMMetrics are the llama.cpp /metrics values hsi-top uses; nil when absent.
type LLMMetrics struct {
	TokensPredicted, PromptTokens                      *float64
	KVCacheUsage, RequestsProcessing, RequestsDeferred *float64
}

// ParseLLMMetrics reads the llamacpp:* samples of a Prometheus text exposition. It is an
// error when the body has none of them (an HTML page, another exporter).
func ParseLLMMetrics(body []byte) (LLMMetrics, error) {
	var m LLMMetrics
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '<' {
		return m, errors.New("HTML instead of metrics")
	}
	found := 0
	for len(body) > 0 {
		var line []byte
		line, body, _ = bytes.Cut(body, []byte{'\n'})
		name, value, ok := parseSample(line)
		if !ok {
			continue
		}
		var dst **float64
		switch string(name) { // no allocation: the compiler compares the bytes
		case "llamacpp:tokens_predicted_total":
			dst = &m.TokensPredicted
		case "llamacpp:prompt_tokens_total":
			dst = &m.PromptTokens
		case "llamacpp:kv_cache_usage_ratio":
			dst = &m.KVCacheUsage
		case "llamacpp:requests_processing":
			dst = &m.RequestsProcessing
		case "llamacpp:requests_deferred":
			dst = &m.RequestsDeferred
		default:
			continue
		}
		*dst = snapshot.F(value)
		found++
	}
	if found == 0 {
		return m, errors.New("no llamacpp metrics in the response")
	}
	return m, nil
}

// ValidateLLMMetrics drops the values no llama-server can report and says why: a KV
// cache usage ratio outside [0, 1], a negative or fractional request count, a negative
// token counter, or a value that is not a finite number.
func ValidateLLMMetrics(m LLMMetrics) (LLMMetrics, []string) {
	var rejected []string
	check := func(dst **float64, name, want string, ok func(float64) bool) {
		if v := *dst; v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || !ok(*v)) {
			rejected = append(rejected, fmt.Sprintf("llamacpp:%s %s is impossible (%s), ignored", name, formatSampleValue(*v), want))
			*dst = nil
		}
	}
	ratio := func(v float64) bool { return v >= 0 && v <= 1 }
	whole := func(v float64) bool { return v >= 0 && v == math.Trunc(v) }
	nonNegative := func(v float64) bool { return v >= 0 }
	check(&m.KVCacheUsage, "kv_cache_usage_ratio", "a ratio from 0 to 1", ratio)
	check(&m.RequestsProcessing, "requests_processing", "a count of requests, 0 or more", whole)
	check(&m.RequestsDeferred, "requests_deferred", "a count of requests, 0 or more", whole)
	check(&m.TokensPredicted, "tokens_predicted_total", "a counter, 0 or more", nonNegative)
	check(&m.PromptTokens, "prompt_tokens_total", "a counter, 0 or more", nonNegative)
	return m, rejected
}

// formatSampleValue prints a sample value as the exposition wrote it (7, -1, 1e+300).
func formatSampleValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// parseSample splits one exposition line "name{labels} value [timestamp]"; comments,
// blank and malformed lines give ok=false.
func parseSample(line []byte) (name []byte, value float64, ok bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' {
		return nil, 0, false
	}
	end := bytes.IndexAny(line, "{ \t")
	if end <= 0 {
		return nil, 0, false
	}
	nameBytes, rest := line[:end], line[end:]
	if rest[0] == '{' {
		labelEnd := labelsEnd(rest)
		if labelEnd < 0 {
			return nil, 0, false
		}
		rest = rest[labelEnd+1:]
	}
	rest = bytes.TrimSpace(rest)
	valueBytes, ts := rest, []byte(nil)
	if i := bytes.IndexAny(rest, " \t"); i >= 0 {
		valueBytes, ts = rest[:i], rest[i+1:]
	}
	if len(valueBytes) == 0 || bytes.ContainsAny(bytes.TrimSpace(ts), " \t") {
		return nil, 0, false
	}
	v, err := strconv.ParseFloat(string(valueBytes), 64)
	if err != nil {
		return nil, 0, false
	}
	return nameBytes, v, true
}

// labelsEnd returns the index of the '}' closing the label set at b[0], skipping quoted
// values (which may contain braces and escaped quotes), or -1.
func labelsEnd(b []byte) int {
	inQuote := false
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == '}':
			return i
		}
	}
	return -1
}
