package alerts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// recording is a 30-minute session at a 5 s interval, as the feed would have recorded
// it: each snapshot goes through JSON and back before the engine sees it.
//
// Script (mm:ss from the start):
//
//	GPU temperature 78 from 03:00, 86 from 06:00, 80 from 08:00, 72 from 09:00, 65 from 10:00
//	host CPU 85 for 50 s at 12:00 (too short to raise), 90 from 13:00 to 15:00
//	GPU utilization 99 from 16:00 to 23:00 (warning after 2 min, critical after 5)
//	Redis hit ratio unknown (idle) except 30 % from 20:00 to 22:00
//	/recordings 85 % from 24:00 to 26:00
//	container redis unhealthy from 27:00 to 28:00
func recording(t *testing.T) []*snapshot.Snapshot {
	t.Helper()
	var out []*snapshot.Snapshot
	for at := time.Duration(0); at < 30*time.Minute; at += tick {
		s := calm(t0.Add(at))
		in := func(from, to string) bool { return at >= mmss(from) && at < mmss(to) }
		temp := 60.0
		switch {
		case in("03:00", "06:00"):
			temp = 78
		case in("06:00", "08:00"):
			temp = 86
		case in("08:00", "09:00"):
			temp = 80
		case in("09:00", "10:00"):
			temp = 72
		case in("10:00", "30:00"):
			temp = 65
		}
		s.GPUs[0].Temperature = snapshot.F(temp)
		if in("12:00", "12:50") {
			s.Host.CPUPercent = snapshot.F(85)
		}
		if in("13:00", "15:00") {
			s.Host.CPUPercent = snapshot.F(90)
		}
		if in("16:00", "23:00") {
			s.GPUs[0].Utilization = snapshot.F(99)
		}
		s.Databases.Redis.HitRatio = nil
		if in("20:00", "22:00") {
			s.Databases.Redis.HitRatio = snapshot.F(30)
		}
		if in("24:00", "26:00") {
			s.Host.Mounts[1].Percent = snapshot.F(85)
		}
		if in("27:00", "28:00") {
			s.Containers[3].State = snapshot.HealthUnhealthy
		}
		s.GPU = &s.GPUs[0]

		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back snapshot.Snapshot
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("replaying %s: %v", b, err)
		}
		out = append(out, &back)
	}
	return out
}

func mmss(s string) time.Duration {
	d, err := time.ParseDuration(strings.Replace(s, ":", "m", 1) + "s")
	if err != nil {
		panic(err)
	}
	return d
}

func TestReplay30Minutes(t *testing.T) {
	cfg := config.DefaultAlerts()
	cfg.LogFile = filepath.Join(t.TempDir(), "alerts.jsonl")
	e := NewEngine(cfg, Options{Interval: tick})
	defer e.Close()
	var last *snapshot.Snapshot
	for _, s := range recording(t) {
		e.Process(s)
		last = s
	}
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	if len(last.Alerts) != 0 {
		t.Errorf("still active at the end: %+v", last.Alerts)
	}
	got := make([]string, len(last.AlertLog))
	for i, l := range last.AlertLog {
		cleared := "ongoing"
		if l.Cleared != nil {
			cleared = clock(l.Cleared.Time)
		}
		got[i] = strings.Join([]string{clock(l.Raised.Time), cleared, l.Severity, string(l.Metric), l.Object,
			trimFloat(l.Peak), trimFloat(l.DurationSeconds), l.Message}, " | ")
	}
	want := []string{
		"27:00 | 28:00 | warning | container_health |  | 1 | 60 | Containers high: 1 unhealthy (redis unhealthy)",
		"24:00 | 26:00 | warning | host_disk | /recordings | 85 | 120 | Disk /recordings high: 85.0%",
		"21:00 | 23:00 | critical | gpu_utilization | gpu0 | 99 | 120 | GPU utilization critical: 99.0%",
		"20:00 | 22:00 | warning | redis_hit_ratio |  | 30 | 120 | Redis hit ratio low: 30.0%",
		"18:00 | 21:00 | warning | gpu_utilization | gpu0 | 99 | 180 | GPU utilization high: 99.0%",
		"14:00 | 15:00 | warning | host_cpu |  | 90 | 60 | CPU high: 90.0%",
		"08:00 | 10:00 | warning | gpu_temperature | gpu0 | 80 | 120 | GPU temperature high: 80°C",
		"06:00 | 08:00 | critical | gpu_temperature | gpu0 | 86 | 120 | GPU temperature critical: 86°C",
		"03:00 | 06:00 | warning | gpu_temperature | gpu0 | 78 | 180 | GPU temperature high: 78°C",
	}
	if !slices.Equal(got, want) {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The file has the same story as raise and clear lines, oldest first.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(cfg.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2*len(want) {
		t.Fatalf("%d lines in the log file, want %d", len(lines), 2*len(want))
	}
	var events []string
	for _, l := range lines {
		var line struct {
			Event  string        `json:"event"`
			Time   snapshot.Time `json:"time"`
			Metric string        `json:"metric"`
		}
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		events = append(events, clock(line.Time.Time)+" "+line.Event+" "+line.Metric)
	}
	if events[0] != "03:00 raise gpu_temperature" || events[len(events)-1] != "28:00 clear container_health" {
		t.Errorf("file events %q", events)
	}
}

func clock(ts time.Time) string {
	d := ts.Sub(t0)
	return time.Time{}.Add(d).Format("04:05")
}

func trimFloat(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
