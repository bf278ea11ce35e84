package tui

import (
	"testing"
	"time"

	"github.com/hsi-top/hsi-top/snapshot"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 45678: "45,678", 1234567: "1,234,567", -1234: "-1,234", -12: "-12", 100000: "100,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestUptime(t *testing.T) {
	for secs, want := range map[float64]string{5*86400 + 12*3600 + 30*60 + 59: "5d 12h 30m", 3600: "1h 0m", 125: "2m", 30: "<1m", 86400: "1d 0h 0m"} {
		if got := uptime(snapshot.F(secs)); got != want {
			t.Errorf("uptime(%v) = %q, want %q", secs, got, want)
		}
	}
	if uptime(nil) != dash || uptime(snapshot.F(-1)) != dash {
		t.Error("unknown uptime is not –")
	}
}

func TestAgoAndUnits(t *testing.T) {
	cases := map[time.Duration]string{41 * time.Second: "41s", 192 * time.Second: "3m 12s", 2*time.Hour + 5*time.Minute: "2h 5m", 50 * time.Hour: "2d 2h", -time.Second: "0s"}
	for d, want := range cases {
		if got := ago(d); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
	if got := ms(snapshot.F(82)); got != "82 ms" {
		t.Errorf("ms(82) = %q", got)
	}
	if got := ms(snapshot.F(4800)); got != "4,800 ms" {
		t.Errorf("ms(4800) = %q", got)
	}
	if got := ms(snapshot.F(12300)); got != "12.3 s" {
		t.Errorf("ms(12300) = %q", got)
	}
	if got := bytesHuman(18 * snapshot.MiB); got != "18.0 MiB" {
		t.Errorf("bytesHuman = %q", got)
	}
	for _, s := range []string{fnum(nil, 1), inum(nil), pct(nil), ms(nil), rate(nil), unit(nil, 1, " GiB"), usedOf(nil, nil, 1, " GiB"), strp(nil)} {
		if s != dash {
			t.Errorf("unknown printed as %q, want –", s)
		}
	}
}

func TestShortErr(t *testing.T) {
	if got := shortErr("redis INFO: dial tcp 127.0.0.1:6379: connect: connection refused", 40); got != "connection refused" {
		t.Errorf("shortErr = %q", got)
	}
	if got := shortErr("timed out after 2s", 40); got != "timed out after 2s" {
		t.Errorf("shortErr = %q", got)
	}
}
