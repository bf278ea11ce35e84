package alerts

import (
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

// Mark sets Silenced on each of s's active alerts that st snoozes or acknowledges at
// s's time, so that the views and the feed show it; it is a collector stage, after the
// rules. An alert's own snooze wins over its rule's (AnyObject).
func (st *SnoozeStore) Mark(s *snapshot.Snapshot) {
	if st == nil || s == nil {
		return
	}
	now := s.Timestamp.Time
	for i := range s.Alerts {
		a := &s.Alerts[i]
		a.Silenced = st.silence(a.Metric, a.Object, now)
	}
}

// silence is metric/object's silence in force at now, or nil.
func (st *SnoozeStore) silence(metric snapshot.AlertMetric, object string, now time.Time) *snapshot.Silence {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, k := range [2]alertKey{{metric, object}, {metric, AnyObject}} {
		s, ok := st.items[k]
		if !ok || (s.Until != nil && !now.Before(s.Until.Time)) {
			continue
		}
		return &snapshot.Silence{Until: s.Until, AllObjects: k.object == AnyObject && object != AnyObject}
	}
	return nil
}
