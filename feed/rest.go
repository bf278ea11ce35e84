package feed

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
)

// rest wraps a REST handler with the method check and, when a key is configured, the
// API key check.
func (s *Server) rest(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", "only GET and HEAD are supported")
			return
		}
		if !s.hostAllowed(r) {
			s.refuseHost(w, r)
			return
		}
		if s.hasKey && s.authFailures.spent(s.clientIP(r), s.clk.Now()) {
			// Too many wrong keys from this address: no more guesses until it cools down.
			s.stats.rejectedRate.Add(1)
			w.Header().Set("Retry-After", "60")
			writeJSONError(w, http.StatusTooManyRequests, "rate_limited", "too many requests with a wrong API key; wait a minute")
			return
		}
		if s.hasKey && !s.keyOK(restKey(r)) {
			s.authFailures.allow(s.clientIP(r), s.clk.Now())
			s.stats.rejectedAuth.Add(1)
			s.log.Info("feed: REST request without a valid API key", "remote", s.clientIP(r), "url", s.logURL(r))
			w.Header().Set("WWW-Authenticate", `Bearer realm="hsi-top"`)
			writeJSONError(w, http.StatusUnauthorized, "unauthorized",
				"missing or invalid API key: pass ?api_key=, an X-API-Key header or Authorization: Bearer")
			return
		}
		h(w, r)
	}
}

// handlePerformance is GET /api/system/performance: the current performance_update data.
func (s *Server) handlePerformance(w http.ResponseWriter, r *http.Request) {
	fs := s.currentFrames()
	if fs.data == nil {
		writeJSONError(w, http.StatusServiceUnavailable, "no_data", "no snapshot has been collected yet")
		return
	}
	writeJSON(w, http.StatusOK, fs.data)
}

// handleAlerts is GET /api/system/alerts: the active alerts and the whole alert log
// (most recent first) of the newest snapshot.
func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request) {
	snap := s.src.Latest()
	if snap == nil {
		writeJSONError(w, http.StatusServiceUnavailable, "no_data", "no snapshot has been collected yet")
		return
	}
	b, err := json.Marshal(struct {
		Active []snapshot.Alert         `json:"active"`
		Log    []snapshot.AlertLogEntry `json:"log"`
	}{snap.Alerts, snap.AlertLog})
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, "encoding", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// handleHistory is GET /api/system/performance/history?time_range=5m|15m|60m.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("time_range")
	if name == "" {
		name = history.Range5m.String()
	}
	rng, err := history.ParseRange(name)
	if err != nil {
		valid := rangeNames()
		b, _ := json.Marshal(map[string]any{
			"error":   "invalid_time_range",
			"message": "time_range must be one of " + strings.Join(valid, ", "),
			"valid":   valid,
		})
		writeJSON(w, http.StatusBadRequest, b)
		return
	}
	if s.hist == nil {
		writeJSONError(w, http.StatusServiceUnavailable, "history_unavailable", "this server keeps no history")
		return
	}
	snaps := s.hist.Snapshots(rng)
	var b bytes.Buffer
	b.WriteString(`{"snapshots":[`)
	n := 0
	for _, snap := range snaps {
		if snap == nil {
			continue
		}
		// History points carry no alert log: 60 copies of it would dwarf the numbers.
		data, err := json.Marshal(onWire(snap, 0))
		if err != nil {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(data)
		n++
	}
	b.WriteString(`],"time_range":`)
	rangeName, _ := json.Marshal(rng.String())
	b.Write(rangeName)
	b.WriteString(`,"count":`)
	b.WriteString(strconv.Itoa(n))
	b.WriteByte('}')
	writeJSON(w, http.StatusOK, b.Bytes())
}

// handleHealthz is GET /healthz: 200 while the collector loop is alive (the newest
// snapshot is younger than three collection intervals), 503 otherwise. It needs no key.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	snap := s.src.Latest()
	now := s.clk.Now()
	body := map[string]any{"status": "ok"}
	code := http.StatusOK
	switch {
	case snap == nil:
		code = http.StatusServiceUnavailable
		body["status"] = "starting"
		body["message"] = "no snapshot has been collected yet"
	case s.isStale(snap, now):
		code = http.StatusServiceUnavailable
		body["status"] = "stalled"
		body["message"] = "the newest snapshot is older than three collection intervals"
	}
	if snap != nil {
		body["snapshot_age_seconds"] = now.Sub(snap.Timestamp.Time).Seconds()
	}
	b, _ := json.Marshal(body)
	writeJSON(w, code, b)
}

// writeJSON writes a JSON body that must not be cached.
func writeJSON(w http.ResponseWriter, code int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	w.Write(body)
}

// writeJSONError writes {"error": kind, "message": message}.
func writeJSONError(w http.ResponseWriter, code int, kind, message string) {
	b, _ := json.Marshal(struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}{kind, message})
	writeJSON(w, code, b)
}
