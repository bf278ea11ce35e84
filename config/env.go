package config

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// envBinding maps one variable to a config setter. A stack variable is applied first;
// the HSI_-prefixed one, when set, wins over it.
type envBinding struct {
	name string
	set  func(c *Config, v string) error
}

// envKeys is the config key each variable sets, for errors that name the variable.
var envKeys = map[string]string{
	"BACKEND_URL": "backend.url", "FRONTEND_URL": "frontend.url", "PROMETHEUS_URL": "prometheus.url",
	"DATABASE_URL": "postgres.dsn", "REDIS_URL": "redis.url", "REDIS_PASSWORD": "redis.password",
	"YOLO26_URL": "detector.url", "YOLO26_API_KEY": "detector.api_key", "RTDETR_URL": "detector.url",
	"RTDETR_API_KEY": "detector.api_key", "AI_VLM_URL": "llm.url", "NEMOTRON_URL": "llm.url",
	"NEMOTRON_API_KEY": "llm.api_key", "DETECTOR_KEY": "detector.key", "API_KEY": "serve.api_key",
	"SERVE_ADDR": "serve.addr", "INTERVAL": "interval",
}

func envBindings() []envBinding {
	str := func(set func(c *Config, v string)) func(*Config, string) error {
		return func(c *Config, v string) error { set(c, v); return nil }
	}
	return []envBinding{
		{"BACKEND_URL", str(func(c *Config, v string) { c.Backend.URL = SecretURL(v) })},
		{"FRONTEND_URL", str(func(c *Config, v string) { c.Frontend.URL = SecretURL(v) })},
		{"PROMETHEUS_URL", str(func(c *Config, v string) { c.Prometheus.URL = SecretURL(v) })},
		{"DATABASE_URL", str(func(c *Config, v string) { c.Postgres.DSN = SecretURL(NormalizeDSN(v)) })},
		{"REDIS_URL", str(func(c *Config, v string) { c.Redis.URL = SecretURL(v) })},
		{"REDIS_PASSWORD", str(func(c *Config, v string) { c.Redis.Password = Secret(v) })},
		// Newer stacks run YOLO26 on :8095; RTDETR_URL, when also set, is applied after
		// and wins, since the stack then still runs RT-DETRv2.
		// Each detector URL clears the key: the matching *_API_KEY binding follows it, and
		// one service's key must never be sent to the other.
		{"YOLO26_URL", str(func(c *Config, v string) {
			c.Detector.URL, c.Detector.Key, c.Detector.APIKey = SecretURL(v), "yolo26", ""
		})},
		{"YOLO26_API_KEY", str(func(c *Config, v string) {
			if c.Detector.Key == "yolo26" {
				c.Detector.APIKey = Secret(v)
			}
		})},
		{"RTDETR_URL", str(func(c *Config, v string) {
			c.Detector.URL, c.Detector.Key, c.Detector.APIKey = SecretURL(v), "rtdetr", ""
		})},
		{"RTDETR_API_KEY", str(func(c *Config, v string) {
			if c.Detector.Key == "rtdetr" {
				c.Detector.APIKey = Secret(v)
			}
		})},
		// AI_VLM_URL is the newer stacks' name; NEMOTRON_URL, applied after, wins.
		{"AI_VLM_URL", str(func(c *Config, v string) { c.LLM.URL = SecretURL(v) })},
		{"NEMOTRON_URL", str(func(c *Config, v string) { c.LLM.URL = SecretURL(v) })},
		{"NEMOTRON_API_KEY", str(func(c *Config, v string) { c.LLM.APIKey = Secret(v) })},
		{"DETECTOR_KEY", str(func(c *Config, v string) { c.Detector.Key = v })},
		{"API_KEY", str(func(c *Config, v string) { c.Serve.APIKey = Secret(v) })},
		{"SERVE_ADDR", str(func(c *Config, v string) { c.Serve.Addr = v })},
		{"INTERVAL", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%q is not a duration", v)
			}
			c.Interval = Duration(d)
			return nil
		}},
	}
}

// hsiOnly are bindings read only with the HSI_ prefix (the stack has no such variable,
// or the plain name is too generic to trust).
var hsiOnly = map[string]bool{"DETECTOR_KEY": true, "API_KEY": true, "SERVE_ADDR": true, "INTERVAL": true}

// EnvNames lists every variable hsi-top reads, stack names first.
func EnvNames() []string {
	var stack, hsi []string
	for _, b := range envBindings() {
		if !hsiOnly[b.name] {
			stack = append(stack, b.name)
		}
		hsi = append(hsi, "HSI_"+b.name)
	}
	return append(stack, hsi...)
}

// ApplyEnv applies the stack's variables, then the HSI_ ones, to c, and returns the
// names of those that were set. A malformed value is reported by Validate through the
// value it produced, or here for durations (then the variable is ignored).
func ApplyEnv(c *Config, lookup func(string) string) []string {
	return applyEnv(c, lookup, func(string, string) {})
}

// applyEnv is ApplyEnv that also reports, for each variable applied, the key it set.
func applyEnv(c *Config, lookup func(string) string, setBy func(name, key string)) []string {
	var used []string
	for _, prefix := range []string{"", "HSI_"} {
		for _, b := range envBindings() {
			if prefix == "" && hsiOnly[b.name] {
				continue
			}
			name := prefix + b.name
			v := strings.TrimSpace(lookup(name))
			if v == "" {
				continue
			}
			if err := b.set(c, v); err != nil {
				used = append(used, fmt.Sprintf("%s (ignored: %v)", name, err))
				continue
			}
			used = append(used, name)
			setBy(name, envKeys[b.name])
		}
	}
	return used
}

// ParseDotEnv reads a .env file as docker compose does: an optional UTF-8 byte-order
// mark, KEY=VALUE lines (LF or CRLF), an optional
// "export " prefix, # comments, single quotes (literal) and double quotes (with \n, \t,
// \" and \\ escapes), and inline comments after an unquoted value (" #").
func ParseDotEnv(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Text()
		if line == 1 {
			raw = strings.TrimPrefix(raw, "\ufeff") // a UTF-8 byte-order mark (Windows editors)
		}
		text := strings.TrimSpace(raw)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		text = strings.TrimPrefix(text, "export ")
		key, val, ok := strings.Cut(text, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t\"'") {
			return nil, fmt.Errorf("line %d: expected KEY=VALUE", line)
		}
		val = strings.TrimSpace(val)
		switch {
		case strings.HasPrefix(val, `"`):
			v, err := unquoteDouble(val[1:])
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", line, key, err)
			}
			val = v
		case strings.HasPrefix(val, "'"):
			end := strings.IndexByte(val[1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("line %d: %s: unterminated single quote", line, key)
			}
			val = val[1 : 1+end]
		default:
			if i := strings.Index(val, " #"); i >= 0 {
				val = strings.TrimSpace(val[:i])
			}
		}
		out[key] = val
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func unquoteDouble(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return b.String(), nil
		case '\\':
			if i+1 >= len(s) {
				return "", fmt.Errorf("unterminated double quote")
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated double quote")
}
