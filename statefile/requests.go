package statefile

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/snapshot"
)

// RequestsDir is the spool, inside the state directory, where `hsi-top snooze` leaves its
// requests for the process that owns the directory, which applies and removes them
// within RequestPoll (or at its next start when none runs).
const RequestsDir = "requests"

// RequestPoll is how often the owner looks for requests (in the engine's tick: Keeper.TickStarted).
const RequestPoll = 2 * time.Second

// spoolSettled is how old the spool's modification time must be before an unchanged one
// is trusted to mean no new request: a file system's timestamps are coarse (a clock
// tick), so a request renamed in within the same tick as the last change would not move it.
const spoolSettled = time.Second

// Snooze request actions.
const (
	ActionSnooze = "snooze" // silence for For
	ActionAck    = "ack"    // silence until the alert clears
	ActionOff    = "off"    // end a snooze or acknowledgement
)

// Request asks the owner to snooze, acknowledge or unsnooze one alert (Object
// alerts.AnyObject: every object of Metric).
type Request struct {
	Action string               `json:"action"`
	Metric snapshot.AlertMetric `json:"metric"`
	Object string               `json:"object"`
	For    time.Duration        `json:"for,omitempty"`
	At     time.Time            `json:"at"`
}

// submitted counts this process's requests, for their order within one instant.
var submitted atomic.Uint64

// Submit leaves r in dir's spool, atomically (a reader never sees half a request).
func Submit(dir string, r Request) error {
	spool := filepath.Join(dir, RequestsDir)
	if err := os.MkdirAll(spool, 0o700); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(spool, ".req-*")
	if err != nil {
		return fmt.Errorf("snooze request: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("snooze request: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("snooze request: %w", err)
	}
	// Named by time first (Pending applies them oldest first), then the process, its
	// count of requests (one process's requests of the same instant keep their order) and
	// the temporary file's random part, so two requests never share a name.
	unique := strings.TrimPrefix(filepath.Base(tmp.Name()), ".req-")
	name := fmt.Sprintf("%020d-%d-%010d-%s.json", r.At.UnixNano(), os.Getpid(), submitted.Add(1), unique)
	return os.Rename(tmp.Name(), filepath.Join(spool, name))
}

// Pending returns the requests not yet applied, oldest first.
func Pending(dir string) ([]Request, error) {
	names, err := filepath.Glob(filepath.Join(dir, RequestsDir, "*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []Request
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			continue
		}
		var r Request
		if json.Unmarshal(b, &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// Apply carries out one request on st.
func Apply(st *alerts.SnoozeStore, r Request) {
	switch r.Action {
	case ActionSnooze:
		st.Snooze(r.Metric, r.Object, r.At, r.For)
	case ActionAck:
		st.Acknowledge(r.Metric, r.Object, r.At)
	case ActionOff:
		st.Remove(r.Metric, r.Object)
	}
}

// applyRequests applies and removes the spooled requests, and asks for a save when it
// applied one (so `hsi-top snooze list`, which reads the state file, shows it); a file
// that is not a request is removed too, so it is not read again every poll.
//
// A spool read empty is read again only once its modification time has moved (a request
// is renamed into it) or while that time is within spoolSettled of now: one stat every
// RequestPoll instead of opening and listing the directory.
func (k *Keeper) applyRequests() {
	if k.snoozes == nil {
		return
	}
	spool := filepath.Join(filepath.Dir(k.path), RequestsDir)
	fi, err := os.Stat(spool)
	if err != nil {
		return // no spool yet: nobody has asked anything
	}
	changed := fi.ModTime()
	if changed.Equal(k.emptySpool) && time.Since(changed) > spoolSettled {
		return
	}
	names, _ := filepath.Glob(filepath.Join(spool, "*.json"))
	if len(names) == 0 {
		k.emptySpool = changed
	} else {
		k.emptySpool = time.Time{} // removing them below moves the time: read again
	}
	slices.Sort(names)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err == nil {
			var r Request
			if json.Unmarshal(b, &r) == nil && strings.TrimSpace(string(r.Metric)) != "" {
				Apply(k.snoozes, r)
				k.SaveSoon()
			}
		}
		os.Remove(n)
	}
}
