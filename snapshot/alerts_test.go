package snapshot

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAlertLogEntryDuration(t *testing.T) {
	raised := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := AlertLogEntry{Raised: Time{raised}}
	if !e.Ongoing() || e.Duration(raised.Add(90*time.Second)) != 90*time.Second {
		t.Errorf("ongoing: %v %s", e.Ongoing(), e.Duration(raised.Add(90*time.Second)))
	}
	if e.Duration(raised.Add(-time.Second)) != 0 {
		t.Error("a clock stepped back gave a negative duration")
	}
	e.Cleared = &Time{raised.Add(time.Minute)}
	if e.Ongoing() || e.Duration(raised.Add(time.Hour)) != time.Minute {
		t.Errorf("cleared: %v %s", e.Ongoing(), e.Duration(raised.Add(time.Hour)))
	}
}

// TestAlertKeys checks the page's five keys come first, with their JSON types.
func TestAlertKeys(t *testing.T) {
	a := Alert{Severity: SeverityCritical, Metric: "gpu_vram", Value: 96.5, Threshold: 95, Message: "GPU VRAM critical: 96.5%",
		Object: "gpu0", Since: Time{time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, Peak: 97}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"severity":"critical","metric":"gpu_vram","value":96.5,"threshold":95,"message":"GPU VRAM critical: 96.5%","object":"gpu0","since":"2026-03-01T12:00:00.000000Z","peak":97}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
