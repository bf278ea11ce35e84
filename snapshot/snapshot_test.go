package snapshot_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

func TestNumbersNeverNaN(t *testing.T) {
	if snapshot.F(0.0/zero()) != nil || snapshot.Percent(1, 0) != nil {
		t.Error("NaN or a zero total must give unknown (nil)")
	}
	if got := *snapshot.Percent(1, 4); got != 25 {
		t.Errorf("Percent(1,4) = %v, want 25", got)
	}
	if got := *snapshot.InGiB(snapshot.U(3 << 29)); got != 1.5 {
		t.Errorf("InGiB = %v, want 1.5", got)
	}
	if got := *snapshot.InMiB(snapshot.I(1572864)); got != 1.5 {
		t.Errorf("InMiB = %v, want 1.5", got)
	}
}

func zero() float64 { return 0 }

func TestTimeFormat(t *testing.T) {
	b, _ := json.Marshal(snapshot.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.FixedZone("x", 3600))})
	if string(b) != `"2026-01-02T02:04:05.600000Z"` {
		t.Errorf("got %s", b)
	}
	var back snapshot.Time
	if err := json.Unmarshal(b, &back); err != nil || back.Nanosecond() != 600000000 {
		t.Errorf("round trip: %v %v", back, err)
	}
}
