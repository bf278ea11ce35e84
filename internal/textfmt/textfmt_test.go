package textfmt

import (
	"testing"
	"time"
)

func f(v float64) *float64 { return &v }

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 45678: "45,678", 1234567: "1,234,567", -1234: "-1,234", -12: "-12", 100000: "100,000"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestUptime(t *testing.T) {
	for secs, want := range map[float64]string{5*86400 + 12*3600 + 30*60 + 59: "5d 12h 30m", 3600: "1h 0m", 125: "2m", 30: "<1m", 86400: "1d 0h 0m"} {
		if got := Uptime(f(secs)); got != want {
			t.Errorf("Uptime(%v) = %q, want %q", secs, got, want)
		}
	}
	if Uptime(nil) != Dash || Uptime(f(-1)) != Dash {
		t.Error("unknown uptime is not –")
	}
}

func TestAgoSpanAndUnits(t *testing.T) {
	cases := map[time.Duration]string{41 * time.Second: "41s", 192 * time.Second: "3m 12s", 2*time.Hour + 5*time.Minute: "2h 5m", 50 * time.Hour: "2d 2h", -time.Second: "0s"}
	for d, want := range cases {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{5 * time.Second: "5s", 15 * time.Second: "15s", time.Minute: "1m", 5 * time.Minute: "5m", time.Hour: "1h", 90 * time.Second: "90s"} {
		if got := Span(d); got != want {
			t.Errorf("Span(%v) = %q, want %q", d, got, want)
		}
	}
	for v, want := range map[float64]string{82: "82 ms", 4800: "4,800 ms", 12300: "12.3 s"} {
		if got := MS(f(v)); got != want {
			t.Errorf("MS(%v) = %q, want %q", v, got, want)
		}
	}
	if got := Bytes(18 * 1024 * 1024); got != "18.0 MiB" {
		t.Errorf("Bytes = %q", got)
	}
	if got := Load([]float64{8.97, 4, 0.333}); got != "8.97 4.00 0.33" {
		t.Errorf("Load = %q", got)
	}
	for _, s := range []string{Fixed(nil, 1), Int(nil), Pct(nil), MS(nil), Rate(nil), Unit(nil, 1, " GiB"), UsedOf(nil, nil, 1, " GiB"), Str(nil), RoundInt(nil), BytesP(nil), Load(nil), OrDash("")} {
		if s != Dash {
			t.Errorf("unknown printed as %q, want –", s)
		}
	}
}
