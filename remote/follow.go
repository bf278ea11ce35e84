package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/coder/websocket"

	"github.com/hsi-top/hsi-top/history"
	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// MaxHistoryBytes bounds one history answer (60 snapshots of some 10 KB).
const MaxHistoryBytes = 32 << 20

// follow reads one connection until it fails; got says a frame arrived on it.
func (s *Source) follow(ctx context.Context) (got bool, err error) {
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dialCtx, s.wsURL, &websocket.DialOptions{HTTPHeader: s.header(), HTTPClient: s.client})
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return false, refusedError(fmt.Sprintf("the remote refused the key (HTTP %d), check --api-key", resp.StatusCode))
		}
		return false, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(MaxFrameBytes)
	s.fillHistory(ctx)
	for {
		// A feed that sends nothing for three intervals (and a little) is as good as gone.
		readCtx, cancel := context.WithTimeout(ctx, 3*s.Interval()+5*time.Second)
		_, data, err := conn.Read(readCtx)
		cancel()
		if websocket.CloseStatus(err) == websocket.StatusPolicyViolation {
			var ce websocket.CloseError
			errors.As(err, &ce)
			return got, refusedError("the remote refused the connection (" + ce.Reason + "), check --api-key")
		}
		if err != nil {
			return got, err
		}
		snap, typ, err := decodeFrame(data)
		if err != nil {
			return got, err
		}
		if typ == "ping" { // the feed's heartbeat: an answer keeps the socket from idling out
			if err := conn.Write(ctx, websocket.MessageText, pongFrame); err != nil {
				return got, err
			}
		}
		if snap != nil {
			got = true
			s.take(snap)
		}
	}
}

// refusedError is the remote saying no to the key: shown whole.
type refusedError string

func (e refusedError) Error() string { return string(e) }

func (s *Source) header() http.Header {
	h := http.Header{}
	if s.key != "" {
		h.Set("X-API-Key", s.key)
	}
	return h
}

// take puts a frame's snapshot in the history and on screen.
func (s *Source) take(snap *snapshot.Snapshot) {
	s.mu.Lock()
	if !s.lastTS.IsZero() {
		if gap := snap.Timestamp.Sub(s.lastTS); gap >= time.Second && gap <= 5*time.Minute {
			s.interval = gap
		}
	}
	s.lastTS = snap.Timestamp.Time
	s.up, s.everUp, s.lastErr, s.lastSeen = true, true, "", s.clk.Now()
	s.mu.Unlock()
	if latest := s.store.Latest(); latest == nil || snap.Timestamp.After(latest.Timestamp.Time) {
		s.store.Process(snap)
		if s.stage != nil {
			s.stage.Process(snap) // a frame repeating a snapshot is not recorded twice
		}
	}
	s.hub.Publish(snap)
}

// envelope is a feed frame: performance_update carries the snapshot; system_status and
// any other type are not needed here.
type envelope struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

var pongFrame = []byte(`{"type":"pong"}`)

// decodeFrame returns a frame's type and, for performance_update, its snapshot.
func decodeFrame(data []byte) (*snapshot.Snapshot, string, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, "", fmt.Errorf("a frame that is not JSON: %w", err)
	}
	if env.Type != "performance_update" {
		return nil, env.Type, nil
	}
	snap, err := decodePage(env.Data)
	return snap, env.Type, err
}

// fillHistory reads the remote's 60m, 15m and 5m history (in that order, so the finer
// points win their buckets) into the store: only snapshots newer than it holds, so a
// reconnect fills the gap without counting a point twice. A failure leaves the
// history to the frames.
func (s *Source) fillHistory(ctx context.Context) {
	var all []*snapshot.Snapshot
	for _, r := range []history.Range{history.Range60m, history.Range15m, history.Range5m} {
		snaps, err := s.fetchHistory(ctx, r)
		if err != nil {
			continue
		}
		all = append(all, snaps...)
	}
	slices.SortStableFunc(all, func(a, b *snapshot.Snapshot) int { return a.Timestamp.Compare(b.Timestamp.Time) })
	var after time.Time
	if latest := s.store.Latest(); latest != nil {
		after = latest.Timestamp.Time
	}
	for i, snap := range all {
		if snap.Timestamp.After(after) && (i == 0 || !snap.Timestamp.Equal(all[i-1].Timestamp.Time)) {
			s.store.Process(snap)
		}
	}
}

func (s *Source) fetchHistory(ctx context.Context, r history.Range) ([]*snapshot.Snapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.httpBase+"/api/system/performance/history?time_range="+r.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header = s.header()
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("history %s: HTTP %d", r, resp.StatusCode)
	}
	var body struct {
		Snapshots []json.RawMessage `json:"snapshots"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, MaxHistoryBytes)).Decode(&body); err != nil {
		return nil, fmt.Errorf("history %s: %w", r, err)
	}
	out := make([]*snapshot.Snapshot, 0, len(body.Snapshots))
	for _, raw := range body.Snapshots {
		if snap, err := decodePage(raw); err == nil {
			out = append(out, snap)
		}
	}
	return out, nil
}

// pageExtras are the keys of the page's wire the page rules add, read to undo them.
type pageExtras struct {
	Databases struct {
		Redis      *struct{}       `json:"redis"`
		PostgreSQL json.RawMessage `json:"postgresql"`
	} `json:"databases"`
}

// decodePage turns performance_update's data (the page's wire, page rules applied)
// back into the snapshot the dashboard reads: the rules' substitutions undone where the
// frame says what they were (a hit ratio of 100 for no lookups is unknown; a database
// card left out has its numbers unknown, unreachable when its source failed).
func decodePage(data []byte) (*snapshot.Snapshot, error) {
	var p wire.PerformanceData
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("performance_update: %w", err)
	}
	if p.Timestamp.IsZero() {
		return nil, fmt.Errorf("performance_update without a timestamp")
	}
	var extra pageExtras
	json.Unmarshal(data, &extra) // the same bytes decoded once already
	s := p.Snapshot()
	s.Inference.DetectorKey = s.AIModels.DetectorKey
	if extra.Databases.Redis == nil {
		s.Databases.Redis = snapshot.Redis{Status: leftOutStatus(s, snapshot.SourceRedis)}
	} else if s.Databases.Redis.HitRatioNote != "" { // the ratio the rules sent for no lookups
		s.Databases.Redis.HitRatio = nil
	}
	if len(extra.Databases.PostgreSQL) == 0 || string(extra.Databases.PostgreSQL) == "null" {
		s.Databases.PostgreSQL = snapshot.PostgreSQL{Status: leftOutStatus(s, snapshot.SourcePostgres)}
	}
	return s, nil
}

// leftOutStatus is the status of a card the page rules left out: unreachable when its
// source failed (or is not configured), else unknown ("") with its numbers unknown.
func leftOutStatus(s *snapshot.Snapshot, name snapshot.SourceName) string {
	if st, ok := s.Source(name); ok && st.OK {
		return ""
	}
	return snapshot.StatusUnreachable
}
