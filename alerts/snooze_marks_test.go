package alerts

import (
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

func TestSnoozeMarksActiveAlerts(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := NewSnoozeStore()
	st.Snooze(snapshot.MetricHostDisk, "/recordings", now.Add(-time.Minute), time.Hour)
	st.Acknowledge(snapshot.MetricHostCPU, "", now)
	st.Snooze(snapshot.MetricGPUTemperature, AnyObject, now, 15*time.Minute)
	st.Snooze(snapshot.MetricHostRAM, "", now.Add(-2*time.Hour), time.Hour) // over

	s := snapshot.New(now)
	s.Alerts = []snapshot.Alert{
		{Metric: snapshot.MetricHostDisk, Object: "/recordings"},
		{Metric: snapshot.MetricHostDisk, Object: "/"},
		{Metric: snapshot.MetricHostCPU},
		{Metric: snapshot.MetricGPUTemperature, Object: "0"},
		{Metric: snapshot.MetricHostRAM},
	}
	st.Mark(s)
	want := []string{"until 12:59:00", "", "acknowledged", "until 12:15:00 (all)", ""}
	for i, a := range s.Alerts {
		got := ""
		switch sl := a.Silenced; {
		case sl == nil:
		case sl.Until == nil:
			got = "acknowledged"
		default:
			got = "until " + sl.Until.Format("15:04:05")
			if sl.AllObjects {
				got += " (all)"
			}
		}
		if got != want[i] {
			t.Errorf("%s %q: silenced %q, want %q", a.Metric, a.Object, got, want[i])
		}
	}
	var none *SnoozeStore
	none.Mark(s) // no store: nothing to mark, no panic
}
