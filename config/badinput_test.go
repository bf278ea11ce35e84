package config

import (
	"strings"
	"testing"
	"time"
)

// loadAndValidate loads a config file (body "" for none) with the given environment.
func loadAndValidate(t *testing.T, body string, env map[string]string, envFile string) (*Loaded, error) {
	t.Helper()
	opts := Options{Getenv: func(k string) string { return env[k] }, SearchPath: []string{}, EnvFile: envFile}
	if body != "" {
		opts.File = writeFile(t, "hsi-top.yaml", body)
	}
	l, err := Load(opts)
	if err != nil {
		return nil, err
	}
	return l, l.Validate()
}

// TestNaNThresholdRejected: .nan as a level is a config error naming the file, line and
// value (before: accepted, and the rule could never fire).
func TestNaNThresholdRejected(t *testing.T) {
	for _, v := range []string{".nan", ".inf", "-.inf"} {
		body := "alerts:\n  rules:\n    gpu_temperature:\n      warning: " + v + "\n"
		_, err := loadAndValidate(t, body, nil, "")
		if err == nil || !strings.Contains(err.Error(), "hsi-top.yaml:4") || !strings.Contains(err.Error(), "alerts.rules.gpu_temperature.warning") ||
			!strings.Contains(err.Error(), `"`+v+`" is not a finite number`) {
			t.Errorf("%s: err = %v", v, err)
		}
	}
	c := Default()
	c.Alerts.Rules.HostRAM.Critical = nan()
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "alerts.rules.host_ram: NaN is not a finite number") {
		t.Errorf("Validate with a NaN level: %v", err)
	}
}

func nan() float64 { z := 0.0; return z / z }

// TestIntervalBringsFittingTimeout: an interval set in any layer without a
// source_timeout gets one that fits (80 % of it, at most 2s). Before, a file or
// HSI_INTERVAL of 1s failed with "source_timeout: 2s must be shorter than interval".
func TestIntervalBringsFittingTimeout(t *testing.T) {
	l, err := loadAndValidate(t, "interval: 1s\n", nil, "")
	if err != nil || l.Config.SourceTimeout.D() != 800*time.Millisecond {
		t.Fatalf("file interval 1s: timeout %v, err %v", l.Config.SourceTimeout, err)
	}
	l, err = loadAndValidate(t, "", map[string]string{"HSI_INTERVAL": "1s"}, "")
	if err != nil || l.Config.SourceTimeout.D() != 800*time.Millisecond {
		t.Fatalf("HSI_INTERVAL=1s: timeout %v, err %v", l.Config.SourceTimeout, err)
	}
	l, err = loadAndValidate(t, "interval: 10s\n", nil, "")
	if err != nil || l.Config.SourceTimeout.D() != 2*time.Second {
		t.Fatalf("interval 10s: timeout %v, err %v", l.Config.SourceTimeout, err)
	}
	// A timeout set explicitly is kept, and a conflict names both layers.
	_, err = loadAndValidate(t, "source_timeout: 3s\n", map[string]string{"HSI_INTERVAL": "2s"}, "")
	if err == nil || !strings.Contains(err.Error(), "source_timeout: 3s (from ") || !strings.Contains(err.Error(), "hsi-top.yaml:1)") ||
		!strings.Contains(err.Error(), "interval (2s (from HSI_INTERVAL))") {
		t.Fatalf("conflict: %v", err)
	}
	// The flag's layer, recorded by the caller.
	l, err = Load(Options{Getenv: noEnv, SearchPath: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	l.Config.Interval = 0
	l.Set("interval", "--interval")
	if err := l.Validate(); err == nil || !strings.Contains(err.Error(), "interval: 0s (from --interval) is below the minimum of 1s") {
		t.Fatalf("flag interval 0: %v", err)
	}
}

// TestErrorsNameTheirLayer: an invalid value names the file and line, or the variable
// (and the .env it came from), never "defaults".
func TestErrorsNameTheirLayer(t *testing.T) {
	_, err := loadAndValidate(t, "", map[string]string{"HSI_INTERVAL": "0s"}, "")
	if err == nil || !strings.Contains(err.Error(), "interval: 0s (from HSI_INTERVAL) is below the minimum") {
		t.Fatalf("HSI_INTERVAL=0s: %v", err)
	}
	_, err = loadAndValidate(t, "redis:\n  url: http://x\n", nil, "")
	if err == nil || !strings.Contains(err.Error(), "redis.url (from ") || !strings.Contains(err.Error(), "hsi-top.yaml:2)") {
		t.Fatalf("file redis.url: %v", err)
	}
	envFile := writeFile(t, ".env", "DATABASE_URL=mysql://u@h/db\n")
	_, err = loadAndValidate(t, "", nil, envFile)
	if err == nil || !strings.Contains(err.Error(), "postgres.dsn (from DATABASE_URL in "+envFile+")") || strings.Contains(err.Error(), "defaults") {
		t.Fatalf(".env DATABASE_URL: %v", err)
	}
}

// TestDotEnvByteOrderMark: a .env starting with a UTF-8 BOM keeps its first variable
// (before: "\ufeffDATABASE_URL" was stored and DATABASE_URL silently dropped).
func TestDotEnvByteOrderMark(t *testing.T) {
	vars, err := ParseDotEnv(strings.NewReader("\ufeffDATABASE_URL=postgresql+asyncpg://security@db/security\r\nREDIS_URL=redis://r:6379/0\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if vars["DATABASE_URL"] != "postgresql+asyncpg://security@db/security" || vars["REDIS_URL"] != "redis://r:6379/0" || len(vars) != 2 {
		t.Fatalf("vars = %q", vars)
	}
}

// TestDSNHashInPassword: the password "hash#pass" that SQLAlchemy accepts is accepted
// (percent-encoded for pgx), and never printed (before: `"***" is not a postgres://
// URL`, blamed on "defaults").
func TestDSNHashInPassword(t *testing.T) {
	const raw = "postgresql+asyncpg://security:hash#pass@localhost:5432/security"
	if got := NormalizeDSN(raw); got != "postgresql://security:hash%23pass@localhost:5432/security" {
		t.Fatalf("NormalizeDSN = %q", got)
	}
	envFile := writeFile(t, ".env", "DATABASE_URL="+raw+"\n")
	l, err := loadAndValidate(t, "", nil, envFile)
	if err != nil {
		t.Fatalf("a password with # must be accepted: %v", err)
	}
	if s := l.Config.Postgres.DSN.String(); s != "postgresql://security:***@localhost:5432/security" {
		t.Fatalf("redacted = %q", s)
	}
	// Already encoded passwords stay as they are.
	if got := NormalizeDSN("postgres://u:a%23b%40c@h/db"); got != "postgres://u:a%23b%40c@h/db" {
		t.Fatalf("encoded = %q", got)
	}
}

// TestDSNProblemsSaidPrecisely: what cannot be read is said, with the fix, without the
// password; a URL with no password is shown as it is, not as "***".
func TestDSNProblemsSaidPrecisely(t *testing.T) {
	cases := []struct{ dsn, want, secret string }{
		{"postgres://u:pa%zzss@h/db", "write % as %25", "pa%zzss"},
		{"postgres://u:p@ss@h/db", "percent-encode an \"@\" in the password as %40", "p@ss"},
		{"postgres://u:s3cret@h:notaport/db", "is not valid (host:port/database)", "s3cret"},
		{"mysql://u:s3cret@h/db", `the scheme "mysql" is not postgres://`, "s3cret"},
	}
	for _, tc := range cases {
		c := Default()
		c.Postgres.DSN = SecretURL(tc.dsn)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.secret) {
			t.Errorf("%s: err = %v", tc.dsn, err)
		}
	}
	c := Default()
	c.Postgres.DSN = "postgres://security@localhost:bad/security"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `"postgres://security@localhost:bad/security"`) {
		t.Errorf("a URL without a password must be shown: %v", err)
	}
	for in, want := range map[string]string{
		"postgres://u:123#x@h/db":        "postgres://u:***@h/db",
		"postgres://u:p@ss@h:bad/db":     "postgres://u:***@h:bad/db",
		"postgres://security@h:bad/db":   "postgres://security@h:bad/db",
		"redis://h:bad/0?password=s3cr":  "redis://h:bad/0?password=***",
		"postgres://u:s3cr@h:bad/db?x=1": "postgres://u:***@h:bad/db?x=1",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
