// Package config is hsi-top's configuration: the Config struct and its defaults, strict
// YAML loading whose errors name the file, the line and the closest valid key, the
// stack's environment variables and .env file, validation, and secret redaction.
//
// Precedence, lowest first: defaults < config file < the stack's environment variables
// (from --env-file, then the process) < HSI_* variables < command-line flags.
package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is everything hsi-top can be told.
type Config struct {
	// Interval is the collection interval (at least 1s).
	Interval Duration `yaml:"interval"`
	// SourceTimeout is each source's deadline per tick; shorter than Interval.
	SourceTimeout Duration `yaml:"source_timeout"`

	GPU        GPUConfig        `yaml:"gpu"`
	Backend    ServiceConfig    `yaml:"backend"`
	Detector   DetectorConfig   `yaml:"detector"`
	LLM        ServiceConfig    `yaml:"llm"`
	Frontend   ServiceConfig    `yaml:"frontend"`
	Prometheus PrometheusConfig `yaml:"prometheus"`
	Postgres   PostgresConfig   `yaml:"postgres"`
	Redis      RedisConfig      `yaml:"redis"`
	// Containers are the rows of the Containers panel, in order.
	Containers []ContainerConfig `yaml:"containers"`
	// ContainersRuntime is the Docker/Podman Engine API the container rows read first.
	ContainersRuntime ContainersRuntimeConfig `yaml:"containers_runtime"`
	Host              HostConfig              `yaml:"host"`
	Alerts            AlertsConfig            `yaml:"alerts"`
	Serve             ServeConfig             `yaml:"serve"`
	UI                UIConfig                `yaml:"ui"`
	// StateDir keeps history and the alert log across restarts; see StateDirectory.
	StateDir string       `yaml:"state_dir"`
	Notify   NotifyConfig `yaml:"notify"`
}

// GPUConfig selects the NVML source.
type GPUConfig struct {
	Enabled bool `yaml:"enabled"`
	// Index is the device the page's gpu object describes.
	Index int `yaml:"index"`
}

// ServiceConfig is an HTTP service hsi-top probes.
type ServiceConfig struct {
	Enabled bool `yaml:"enabled"`
	// URL may carry credentials (http://user:pass@host): it prints them as ***.
	URL    SecretURL `yaml:"url"`
	APIKey Secret    `yaml:"api_key"`
}

// DetectorConfig is the object detector's HTTP service and the key the page knows it by.
type DetectorConfig struct {
	Enabled bool      `yaml:"enabled"`
	URL     SecretURL `yaml:"url"`
	APIKey  Secret    `yaml:"api_key"`
	// Key is the page's name for the detector: rtdetr or yolo26.
	Key string `yaml:"key"`
}

// PrometheusConfig is the optional Prometheus server, preferred while it is ready.
type PrometheusConfig struct {
	Enabled bool      `yaml:"enabled"`
	URL     SecretURL `yaml:"url"`
	// Recheck is how often /-/ready is asked again.
	Recheck Duration `yaml:"recheck"`
}

// PostgresConfig is the stack's database.
type PostgresConfig struct {
	Enabled bool `yaml:"enabled"`
	// DSN is a postgres:// URL or key=value string; a SQLAlchemy driver suffix
	// (postgresql+asyncpg://) is removed.
	DSN SecretURL `yaml:"dsn"`
	// PoolSize, when above zero, is the connection limit shown instead of max_connections
	// (the application's own pool is the real limit).
	PoolSize int `yaml:"pool_size"`
}

// RedisConfig is the stack's Redis.
type RedisConfig struct {
	Enabled  bool      `yaml:"enabled"`
	URL      SecretURL `yaml:"url"`
	Password Secret    `yaml:"password"`
}

// ContainersRuntimeConfig selects the Engine API socket. The socket is root-equivalent:
// hsi-top only ever sends GET requests to it (see README).
type ContainersRuntimeConfig struct {
	// Enabled reads the Engine API when a socket is found; false: HTTP probes only.
	Enabled bool `yaml:"enabled"`
	// Socket is the Engine API's unix socket; empty: DOCKER_HOST (unix://), then
	// /var/run/docker.sock, then $XDG_RUNTIME_DIR/podman/podman.sock.
	Socket string `yaml:"socket"`
}

// ContainerConfig is one row of the Containers panel.
type ContainerConfig struct {
	Name string `yaml:"name"`
	// Probe is an http(s) URL (2xx healthy, 503 starting, other unhealthy), or the name of
	// a source whose health the row shows: backend, frontend, postgres, redis, detector, llm.
	Probe SecretURL `yaml:"probe"`
}

// ProbeSources are the probe names that mean "take the health from that source".
var ProbeSources = []string{"backend", "frontend", "postgres", "redis", "detector", "llm"}

// HostConfig selects host numbers.
type HostConfig struct {
	// Mounts are filesystems reported besides "/" (the recordings volume).
	Mounts []string `yaml:"mounts"`
}

// ServeConfig is the headless feed server.
type ServeConfig struct {
	// Addr is where --serve listens; loopback unless told otherwise.
	Addr string `yaml:"addr"`
	// APIKey, when set, is required on the socket and REST (not /healthz).
	APIKey Secret `yaml:"api_key"`
	// AllowedOrigins are the browser origins allowed besides the same host.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// AllowedHosts are the Host names the feed answers to without an API key, besides
	// IP addresses, localhost and this machine's name ("*": any). Guards against DNS
	// rebinding: a web page whose name resolves to 127.0.0.1 reading the feed.
	AllowedHosts []string `yaml:"allowed_hosts"`
	// RateLimitPerMinute is the WebSocket connections one IP may open per minute.
	RateLimitPerMinute int `yaml:"rate_limit_per_minute"`
	// FeedInterval is the feed's cadence; the page assumes 5s.
	FeedInterval Duration `yaml:"feed_interval"`
	// IdleTimeout closes a socket that sent nothing for this long.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// TrustedProxies are the proxies (IP addresses or CIDR ranges) whose
	// X-Forwarded-For and X-Real-IP headers name the client; empty: none, every peer is
	// the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// MaxConnections caps the WebSocket connections open at once; past it a socket is
	// closed with 1013 (try again later).
	MaxConnections int `yaml:"max_connections"`
}

// DefaultMaxConnections is serve.max_connections' default: many browsers and scripts
// for a home box, far below what would strain it.
const DefaultMaxConnections = 256

// UIConfig is the terminal UI.
type UIConfig struct {
	NoColor bool `yaml:"no_color"`
	// Range is the history range shown at start: 5m, 15m or 60m.
	Range string `yaml:"range"`
	// Theme picks the palette: auto (ask the terminal for its background, inside tmux
	// and screen too, then COLORFGBG), dark or light.
	Theme string `yaml:"theme"`
}

// Default returns the configuration used when nothing else is said: the stack's default
// ports on localhost, every source enabled.
func Default() Config {
	return Config{
		Interval:      Duration(5 * time.Second),
		SourceTimeout: Duration(2 * time.Second),
		GPU:           GPUConfig{Enabled: true},
		Backend:       ServiceConfig{Enabled: true, URL: "http://localhost:8000"},
		Detector:      DetectorConfig{Enabled: true, URL: "http://localhost:8090", Key: "rtdetr"},
		LLM:           ServiceConfig{Enabled: true, URL: "http://localhost:8091"},
		Frontend:      ServiceConfig{Enabled: true, URL: "http://localhost:5173"},
		Prometheus:    PrometheusConfig{Enabled: true, URL: "http://localhost:9090", Recheck: Duration(60 * time.Second)},
		Postgres:      PostgresConfig{Enabled: true, DSN: "postgres://security@localhost:5432/security"},
		Redis:         RedisConfig{Enabled: true, URL: "redis://localhost:6379/0"},
		Containers: []ContainerConfig{
			{Name: "backend", Probe: "backend"},
			{Name: "frontend", Probe: "frontend"},
			{Name: "postgres", Probe: "postgres"},
			{Name: "redis", Probe: "redis"},
			{Name: "ai-detector", Probe: "detector"},
			{Name: "ai-llm", Probe: "llm"},
		},
		ContainersRuntime: ContainersRuntimeConfig{Enabled: true},
		Host:              HostConfig{Mounts: []string{"/"}},
		Alerts:            DefaultAlerts(),
		Serve: ServeConfig{
			Addr:               "127.0.0.1:8089",
			AllowedOrigins:     []string{},
			AllowedHosts:       []string{},
			RateLimitPerMinute: 10,
			FeedInterval:       Duration(5 * time.Second),
			IdleTimeout:        Duration(300 * time.Second),
			TrustedProxies:     []string{},
			MaxConnections:     DefaultMaxConnections,
		},
		UI:     UIConfig{Range: "5m", Theme: "auto"},
		Notify: DefaultNotify(),
	}
}

// defaultSourceTimeout is source_timeout when nothing sets it and the interval allows.
const defaultSourceTimeout = 2 * time.Second

// DefaultSourceTimeout is the source timeout that fits interval when none is set: 2s,
// or 80% of a shorter interval (800ms for 1s).
func DefaultSourceTimeout(interval time.Duration) time.Duration {
	return min(defaultSourceTimeout, interval*8/10)
}

// Validate checks every value and names the key and the value that are wrong.
func (c *Config) Validate() error { return c.validateFrom(nil) }

// validateFrom is Validate whose messages also name the layer that set each value
// (origin returns "" for a default; nil: no names).
func (c *Config) validateFrom(origin func(key string) string) error {
	var errs []string
	for _, section := range []func() []string{
		func() []string { return c.validateTiming(origin) },
		c.validateServices, c.validateContainers, c.validateServe, c.validateUI,
		c.Alerts.validate, func() []string { return c.Notify.validate(c) },
	} {
		errs = append(errs, section()...)
	}
	for i, e := range errs {
		if key, rest, ok := strings.Cut(e, ": "); ok && origin != nil && key != "interval" && key != "source_timeout" {
			if o := origin(key); o != "" {
				errs[i] = key + " (from " + o + "): " + rest
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

// problems collects validation messages.
type problems []string

func (p *problems) add(format string, a ...any) { *p = append(*p, fmt.Sprintf(format, a...)) }

// validateTiming checks interval and source_timeout, naming the layer each came from
// (origin gives it for a key; nil when unknown).
func (c *Config) validateTiming(origin func(key string) string) []string {
	var bad problems
	from := func(key string) string {
		if origin == nil {
			return ""
		}
		if o := origin(key); o != "" {
			return " (from " + o + ")"
		}
		return " (the default)"
	}
	if c.Interval.D() < time.Second {
		bad.add("interval: %s%s is below the minimum of 1s", c.Interval, from("interval"))
	}
	if c.SourceTimeout.D() <= 0 {
		bad.add("source_timeout: %s%s must be positive", c.SourceTimeout, from("source_timeout"))
	} else if c.SourceTimeout.D() >= c.Interval.D() && c.Interval.D() >= time.Second {
		bad.add("source_timeout: %s%s must be shorter than interval (%s%s)", c.SourceTimeout, from("source_timeout"), c.Interval, from("interval"))
	}
	return bad
}

// validateServices checks the services' addresses and settings.
func (c *Config) validateServices() []string {
	var bad problems
	for _, kv := range []struct {
		key string
		url SecretURL
	}{
		{"backend.url", c.Backend.URL}, {"detector.url", c.Detector.URL}, {"llm.url", c.LLM.URL},
		{"frontend.url", c.Frontend.URL}, {"prometheus.url", c.Prometheus.URL},
	} {
		if err := checkHTTPURL(kv.url.Value()); err != nil {
			bad.add("%s: %q: %v", kv.key, kv.url.String(), err)
		}
	}
	if c.Detector.Key != "rtdetr" && c.Detector.Key != "yolo26" {
		bad.add("detector.key: %q is not one of rtdetr, yolo26", c.Detector.Key)
	}
	if c.Prometheus.Recheck.D() < time.Second {
		bad.add("prometheus.recheck: %s is below 1s", c.Prometheus.Recheck)
	}
	if c.Postgres.PoolSize < 0 {
		bad.add("postgres.pool_size: %d must not be negative", c.Postgres.PoolSize)
	}
	if problem := DSNProblem(c.Postgres.DSN.Value()); problem != "" {
		bad.add("postgres.dsn: %q: %s", c.Postgres.DSN.String(), problem)
	}
	if u, err := url.Parse(c.Redis.URL.Value()); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
		bad.add("redis.url: %q is not a redis:// URL", c.Redis.URL.String())
	}
	if c.GPU.Index < 0 {
		bad.add("gpu.index: %d must not be negative", c.GPU.Index)
	}
	return bad
}

// validateContainers checks the container rows: unique names, probes that exist.
func (c *Config) validateContainers() []string {
	var bad problems
	names := map[string]bool{}
	for i, ct := range c.Containers {
		if ct.Name == "" {
			bad.add("containers[%d].name: empty", i)
		}
		if names[ct.Name] {
			bad.add("containers[%d].name: %q appears twice", i, ct.Name)
		}
		names[ct.Name] = true
		if probe := ct.Probe.Value(); !isProbeSource(probe) {
			if err := checkHTTPURL(probe); err != nil || probe == "" {
				bad.add("containers[%d].probe: %q is neither an http(s) URL nor one of %s", i, ct.Probe.String(), strings.Join(ProbeSources, ", "))
			}
		}
	}
	return bad
}

// validateServe checks the feed's limits and trusted proxies.
func (c *Config) validateServe() []string {
	var bad problems
	if c.Serve.RateLimitPerMinute < 0 {
		bad.add("serve.rate_limit_per_minute: %d must not be negative", c.Serve.RateLimitPerMinute)
	}
	if c.Serve.FeedInterval.D() < time.Second {
		bad.add("serve.feed_interval: %s is below 1s", c.Serve.FeedInterval)
	}
	if c.Serve.IdleTimeout.D() < time.Second {
		bad.add("serve.idle_timeout: %s is below 1s", c.Serve.IdleTimeout)
	}
	if c.Serve.MaxConnections < 1 {
		bad.add("serve.max_connections: %d must be at least 1", c.Serve.MaxConnections)
	}
	for i, p := range c.Serve.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			bad.add("serve.trusted_proxies[%d]: %q is neither an IP address nor a CIDR range (192.0.2.1, 172.16.0.0/12)", i, p)
		}
	}
	return bad
}

// validateUI checks the dashboard's settings.
func (c *Config) validateUI() []string {
	var bad problems
	switch c.UI.Range {
	case "5m", "15m", "60m":
	default:
		bad.add("ui.range: %q is not one of 5m, 15m, 60m", c.UI.Range)
	}
	switch c.UI.Theme {
	case "auto", "dark", "light":
	default:
		bad.add("ui.theme: %q is not one of auto, dark, light", c.UI.Theme)
	}
	return bad
}

func isProbeSource(p string) bool {
	for _, s := range ProbeSources {
		if p == s {
			return true
		}
	}
	return false
}

func checkHTTPURL(raw string) error {
	if raw == "" {
		return nil // an empty URL disables the probe
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme must be http or https")
	}
	if u.Host == "" {
		return fmt.Errorf("no host")
	}
	return nil
}
