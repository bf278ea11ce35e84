package alerts

import (
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

func TestCarriedLogFollowsThisRunsEntriesAndIsShared(t *testing.T) {
	stopped := t0.Add(-time.Hour)
	cleared := snapshot.Time{Time: t0.Add(-3 * time.Hour)}
	old := []snapshot.AlertLogEntry{
		{Metric: snapshot.MetricHostDisk, Object: "/", Raised: snapshot.Time{Time: t0.Add(-2 * time.Hour)}}, // ongoing at the stop
		{Metric: snapshot.MetricHostCPU, Raised: snapshot.Time{Time: t0.Add(-4 * time.Hour)}, Cleared: &cleared, DurationSeconds: 3600},
	}
	c := NewCarriedLog(old, stopped)
	eng := NewEngine(config.DefaultAlerts(), Options{Interval: tick})
	var prev []snapshot.AlertLogEntry
	for i := range 3 {
		s := diskAt(t0.Add(time.Duration(i)*tick), 50, 50)
		eng.Process(s)
		c.Process(s)
		if len(s.AlertLog) != 2 {
			t.Fatalf("log %+v, want the two carried entries", s.AlertLog)
		}
		if e := s.AlertLog[0]; e.Cleared == nil || !e.Cleared.Equal(stopped) || e.DurationSeconds != 3600 {
			t.Errorf("the entry ongoing at the stop: %+v, want it closed at %s", e, stopped)
		}
		if prev != nil && &prev[0] != &s.AlertLog[0] {
			t.Error("an unchanged log is copied per tick instead of shared")
		}
		prev = s.AlertLog
	}
	// This run's entries come first, the carried ones after, within LogSize.
	s := diskAt(t0.Add(time.Minute), 95, 50)
	eng.Process(s)
	c.Process(s)
	if len(s.AlertLog) != 3 || s.AlertLog[0].Metric != snapshot.MetricHostDisk || s.AlertLog[0].Cleared != nil || s.AlertLog[2].Metric != snapshot.MetricHostCPU {
		t.Errorf("log %+v", s.AlertLog)
	}
}
