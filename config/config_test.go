package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func noEnv(string) string { return "" }

func TestTypoNamesFileLineAndKey(t *testing.T) {
	p := writeFile(t, "hsi-top.yaml", "# my config\nredis:\n  url: redis://x:6379/0\nintreval: 5s\n")
	_, err := Load(Options{File: p, Getenv: noEnv})
	if err == nil {
		t.Fatal("a typo must be an error")
	}
	for _, want := range []string{p + ":4", `"intreval"`, `did you mean "interval"`, "valid keys here:", "source_timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestNestedTypoAndBadValues(t *testing.T) {
	cases := map[string][]string{
		"postgres:\n  pool_sise: 3\n":               {":2", `"postgres.pool_sise"`, `"postgres.pool_size"`},
		"interval: 5 seconds\n":                     {":1", "interval", `"5 seconds" is not a duration`},
		"gpu:\n  index: two\n":                      {":2", "gpu.index", `"two" is not a valid whole number`},
		"containers:\n  - name: x\n    prob: y\n":   {":3", `"containers[0].prob"`, `"containers[0].probe"`},
		"alerts:\n  rules:\n    host_cpu: 5\n":      {":3", "alerts.rules.host_cpu", "expected a mapping"},
		"- just\n- a list\n":                        {":1", "mapping"},
		"serve:\n  allowed_origins: http://x.com\n": {":2", "serve.allowed_origins", "expected a list"},
	}
	for body, wants := range cases {
		p := writeFile(t, "c.yaml", body)
		_, err := Load(Options{File: p, Getenv: noEnv})
		if err == nil {
			t.Errorf("%q: no error", body)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q lacks %q", body, err, w)
			}
		}
	}
}

func TestValidateNamesKeyAndValue(t *testing.T) {
	c := Default()
	c.Backend.URL = "ftp://box"
	c.SourceTimeout = Duration(10 * time.Second)
	c.Detector.Key = "yolo"
	c.UI.Range = "2h"
	c.UI.Theme = "solarized"
	c.Alerts.Rules.HostCPU.Warning = 99
	c.Alerts.Rules.PGCacheHit.Warning = 70
	err := c.Validate()
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, w := range []string{`backend.url: "ftp://box"`, "source_timeout: 10s must be shorter than interval", `detector.key: "yolo"`, `ui.range: "2h"`, `ui.theme: "solarized" is not one of auto, dark, light`,
		"alerts.rules.host_cpu: warning (99) must be below critical (95)", "alerts.rules.pg_cache_hit: warning (70) must be above critical (80)"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	d := Default()
	if err := d.Validate(); err != nil {
		t.Errorf("defaults must be valid: %v", err)
	}
}

// The documented example is loadable and documents exactly the defaults.
func TestExampleConfigIsTheDefaults(t *testing.T) {
	l, err := Load(Options{File: filepath.Join("..", "config.example.yaml"), Getenv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Config.Validate(); err != nil {
		t.Fatal(err)
	}
	if want := Default(); !reflect.DeepEqual(l.Config, want) {
		t.Errorf("config.example.yaml differs from Default():\n got %+v\nwant %+v", l.Config, want)
	}
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "c.yaml", "interval: 10s\nbackend:\n  url: http://file:1\nllm:\n  url: http://file:2\nredis:\n  url: redis://file:3/0\n")
	envFile := writeFile(t, ".env", "REDIS_URL=redis://dotenv:6379/0\nNEMOTRON_URL=http://dotenv:8091\nDATABASE_URL=postgresql+asyncpg://security:pw@db:5432/security\n")
	env := map[string]string{
		"NEMOTRON_URL":     "http://process:8091", // the process environment wins over .env
		"HSI_BACKEND_URL":  "http://hsi:8000",     // HSI_ wins over the file
		"HSI_INTERVAL":     "7s",
		"YOLO26_URL":       "http://det:8095",
		"YOLO26_API_KEY":   "k",
		"XDG_CONFIG_HOME":  "/nonexistent",
		"HSI_DETECTOR_KEY": "",
	}
	l, err := Load(Options{File: file, EnvFile: envFile, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	checks := map[string][2]string{
		"interval":     {c.Interval.String(), "7s"},
		"backend":      {c.Backend.URL.Value(), "http://hsi:8000"},
		"llm":          {c.LLM.URL.Value(), "http://process:8091"},
		"redis":        {c.Redis.URL.Value(), "redis://dotenv:6379/0"},
		"dsn":          {c.Postgres.DSN.Value(), "postgresql://security:pw@db:5432/security"},
		"detector":     {c.Detector.URL.Value(), "http://det:8095"},
		"detector key": {c.Detector.Key, "yolo26"},
		"detector api": {c.Detector.APIKey.Value(), "k"},
		"frontend":     {c.Frontend.URL.Value(), "http://localhost:5173"}, // untouched default
	}
	for name, gw := range checks {
		if gw[0] != gw[1] {
			t.Errorf("%s = %q, want %q", name, gw[0], gw[1])
		}
	}
	if l.File != file || l.EnvFile != envFile {
		t.Errorf("origins: file %q env file %q", l.File, l.EnvFile)
	}
	joined := strings.Join(l.EnvVars, ",")
	for _, want := range []string{"DATABASE_URL", "REDIS_URL", "NEMOTRON_URL", "HSI_BACKEND_URL", "HSI_INTERVAL"} {
		if !strings.Contains(joined, want) {
			t.Errorf("EnvVars %v lacks %s", l.EnvVars, want)
		}
	}
}

func TestSearchPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "hsi-top", "config.yaml")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("interval: 9s\n"), 0o600)
	env := map[string]string{"XDG_CONFIG_HOME": dir}
	l, err := Load(Options{Getenv: func(k string) string { return env[k] }, SearchPath: DefaultSearchPath(func(k string) string { return env[k] })[1:]})
	if err != nil {
		t.Fatal(err)
	}
	if l.File != p || l.Config.Interval.D() != 9*time.Second {
		t.Errorf("file %q interval %s", l.File, l.Config.Interval)
	}
}

func TestParseDotEnv(t *testing.T) {
	in := `# the stack's .env
export DATABASE_URL=postgresql+asyncpg://security:s3cret@localhost:5432/security
REDIS_PASSWORD="p@ss \"quoted\"\n"
NEMOTRON_API_KEY='lit $eral # not a comment'
FRONTEND_URL=http://localhost:8080 # the nginx port
EMPTY=

RTDETR_URL = http://localhost:8090
`
	got, err := ParseDotEnv(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"DATABASE_URL":     "postgresql+asyncpg://security:s3cret@localhost:5432/security",
		"REDIS_PASSWORD":   "p@ss \"quoted\"\n",
		"NEMOTRON_API_KEY": "lit $eral # not a comment",
		"FRONTEND_URL":     "http://localhost:8080",
		"EMPTY":            "",
		"RTDETR_URL":       "http://localhost:8090",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, bad := range []string{"JUSTAKEY\n", "A=\"unterminated\n", "A='open\n", "BAD KEY=1\n"} {
		if _, err := ParseDotEnv(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: error %v, want one naming line 1", bad, err)
		}
	}
}

func TestNormalizeDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgresql+asyncpg://u:p@h:5432/db": "postgresql://u:p@h:5432/db",
		"postgres+psycopg://h/db":            "postgres://h/db",
		"postgres://h/db":                    "postgres://h/db",
		"host=h dbname=db":                   "host=h dbname=db",
	} {
		if got := NormalizeDSN(in); got != want {
			t.Errorf("NormalizeDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

const marker = "TOPSECRET-4711"

// TestEverySecretIsRedacted sets every Secret and SecretURL field (found by reflection, so
// a new secret field is covered automatically) and checks that no way of printing or
// serialising the config shows it.
func TestEverySecretIsRedacted(t *testing.T) {
	c := Default()
	n := setSecrets(reflect.ValueOf(&c).Elem())
	if n < 7 {
		t.Fatalf("found only %d secret fields", n)
	}
	y, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(c)
	outputs := map[string]string{
		"yaml": string(y), "json": string(j), "%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c),
		"%#v": fmt.Sprintf("%#v", c), "String": c.Redis.Password.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, marker) {
			t.Errorf("%s output shows a secret:\n%s", name, out)
		}
	}
	if !strings.Contains(string(y), "***") {
		t.Error("redacted secrets must show as ***")
	}
	if c.Postgres.DSN.Value() == "" || !strings.Contains(c.Postgres.DSN.Value(), marker) {
		t.Error("Value() must still return the secret")
	}
	// A failing validation quotes values: the DSN's password must not leak there either.
	c.Postgres.DSN = SecretURL("mysql://u:" + marker + "@h/db")
	c.Redis.URL = SecretURL("http://:" + marker + "@h")
	if err := c.Validate(); err == nil || strings.Contains(err.Error(), marker) {
		t.Errorf("validation error leaks or is missing: %v", err)
	}
}

func setSecrets(v reflect.Value) int {
	n := 0
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			n += setSecrets(v.Field(i))
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			n += setSecrets(v.Index(i))
		}
	case reflect.String:
		switch v.Type() {
		case reflect.TypeOf(Secret("")):
			v.SetString(marker)
			n++
		case reflect.TypeOf(SecretURL("")):
			v.SetString("postgres://user:" + marker + "@db:5432/x?password=" + marker)
			n++
		}
	}
	return n
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"redis://:pw@localhost:6379/0":         "redis://:***@localhost:6379/0",
		"postgres://u:pw@h/db?sslmode=disable": "postgres://u:***@h/db?sslmode=disable",
		"postgres://u@h/db":                    "postgres://u@h/db",
		"host=h password=pw dbname=x":          "host=h password=*** dbname=x",
		"http://h/ws?api_key=k":                "http://h/ws?api_key=***",
		"":                                     "",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEmptyConfigFileIsTheDefaults(t *testing.T) {
	for _, body := range []string{"", "# only a comment\n", "---\n"} {
		l, err := Load(Options{File: writeFile(t, "c.yaml", body), Getenv: noEnv})
		if err != nil {
			t.Errorf("%q: %v", body, err)
			continue
		}
		if !reflect.DeepEqual(l.Config, Default()) {
			t.Errorf("%q: not the defaults", body)
		}
	}
}
