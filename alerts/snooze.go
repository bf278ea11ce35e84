package alerts

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Snooze silences one alert's notifications on every channel: until a time (a
// snooze), or until the alert clears (an acknowledgement, Until nil).
type Snooze struct {
	Metric snapshot.AlertMetric `json:"metric"`
	Object string               `json:"object,omitempty"`
	// Until is the end of a snooze; nil for an acknowledgement, which ends when the
	// alert clears.
	Until *snapshot.Time `json:"until"`
	// At is when it was asked for.
	At snapshot.Time `json:"at"`
}

// Acknowledged reports whether s lasts until the alert clears.
func (s Snooze) Acknowledged() bool { return s.Until == nil }

// SnoozeStore holds the snoozes and acknowledgements. Its methods may be called from
// any goroutine (the dashboard's keys, the policy on the engine's).
type SnoozeStore struct {
	mu    sync.Mutex
	items map[alertKey]Snooze
}

// alertKey names one alert: its metric and object.
type alertKey struct {
	metric snapshot.AlertMetric
	object string
}

// NewSnoozeStore returns an empty store.
func NewSnoozeStore() *SnoozeStore { return &SnoozeStore{items: map[alertKey]Snooze{}} }

// Snooze silences metric/object until at+d.
func (st *SnoozeStore) Snooze(metric snapshot.AlertMetric, object string, at time.Time, d time.Duration) {
	until := snapshot.Time{Time: at.Add(d).UTC()}
	st.put(Snooze{Metric: metric, Object: object, Until: &until, At: snapshot.Time{Time: at.UTC()}})
}

// Acknowledge silences metric/object until it clears.
func (st *SnoozeStore) Acknowledge(metric snapshot.AlertMetric, object string, at time.Time) {
	st.put(Snooze{Metric: metric, Object: object, At: snapshot.Time{Time: at.UTC()}})
}

// Remove ends metric/object's snooze or acknowledgement.
func (st *SnoozeStore) Remove(metric snapshot.AlertMetric, object string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.items, alertKey{metric, object})
}

func (st *SnoozeStore) put(s Snooze) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.items[alertKey{s.Metric, s.Object}] = s
}

// Silenced reports whether metric/object is snoozed or acknowledged at now. An expired
// snooze is forgotten.
func (st *SnoozeStore) Silenced(metric snapshot.AlertMetric, object string, now time.Time) bool {
	if st == nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, k := range [2]alertKey{{metric, object}, {metric, AnyObject}} {
		s, ok := st.items[k]
		if !ok {
			continue
		}
		if s.Until != nil && !now.Before(s.Until.Time) {
			delete(st.items, k)
			continue
		}
		return true
	}
	return false
}

// AnyObject as a snooze's object silences every object of its metric (every mount,
// every GPU).
const AnyObject = "*"

// cleared drops an acknowledgement when its alert clears (a snooze runs its time).
func (st *SnoozeStore) cleared(metric snapshot.AlertMetric, object string) {
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, k := range [2]alertKey{{metric, object}, {metric, AnyObject}} {
		if s, ok := st.items[k]; ok && s.Acknowledged() {
			delete(st.items, k)
		}
	}
}

// List returns the snoozes still in force at now, sorted by metric and object: what the
// state file keeps.
func (st *SnoozeStore) List(now time.Time) []Snooze {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]Snooze, 0, len(st.items))
	for _, s := range st.items {
		if s.Until == nil || now.Before(s.Until.Time) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Snooze) int {
		return cmp.Or(cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.Object, b.Object))
	})
	return out
}

// Restore adds snoozes read back from the state file.
func (st *SnoozeStore) Restore(list []Snooze) {
	for _, s := range list {
		st.put(s)
	}
}
