package config

import (
	"fmt"
	"math"
	"time"
)

// AlertsConfig holds every alert rule's levels and windows (contract.md §5).
type AlertsConfig struct {
	// HysteresisPercent is how far (in % of the level) a value must fall back past a
	// level before the alert clears, so a value hovering at a threshold does not flap.
	HysteresisPercent float64 `yaml:"hysteresis_percent"`
	// LogFile, when set, receives every raise and clear as one JSON line.
	LogFile string     `yaml:"log_file"`
	Rules   AlertRules `yaml:"rules"`
}

// AlertRules has one entry per metric of contract.md §5.
type AlertRules struct {
	GPUUtilization     Rule `yaml:"gpu_utilization"`
	GPUTemperature     Rule `yaml:"gpu_temperature"`
	GPUVRAM            Rule `yaml:"gpu_vram"`
	GPUPower           Rule `yaml:"gpu_power"`
	DetectorLatencyP95 Rule `yaml:"rtdetr_latency_p95"`
	LLMLatencyP95      Rule `yaml:"nemotron_latency_p95"`
	PGConnections      Rule `yaml:"pg_connections"`
	PGCacheHit         Rule `yaml:"pg_cache_hit"`
	RedisMemory        Rule `yaml:"redis_memory"`
	RedisHitRatio      Rule `yaml:"redis_hit_ratio"`
	HostCPU            Rule `yaml:"host_cpu"`
	HostRAM            Rule `yaml:"host_ram"`
	HostDisk           Rule `yaml:"host_disk"`
	ContainerHealth    Rule `yaml:"container_health"`

	// GPU faults and limits (issue 14). GPUThrottle's levels are seconds of continuous
	// throttling by heat or power; GPUXid's are Xid errors in the last 10 minutes;
	// GPUPCIeLink's are the percent of the link's maximum bandwidth it lacks; GPUECC's
	// are new ECC errors in the last 10 minutes.
	GPUThrottle Rule `yaml:"gpu_throttle"`
	GPUXid      Rule `yaml:"gpu_xid"`
	GPUPCIeLink Rule `yaml:"gpu_pcie_link"`
	GPUECC      Rule `yaml:"gpu_ecc"`
}

// Rule is one metric's levels. For "greater than" metrics the warning level is below the
// critical one; for "less than" metrics (cache hit, hit ratio) it is above.
type Rule struct {
	Enabled  bool    `yaml:"enabled"`
	Warning  float64 `yaml:"warning"`
	Critical float64 `yaml:"critical"`
	// WarningFor and CriticalFor make the rule sustained: every sample in the window
	// must be past the level. Zero means at once.
	WarningFor  Duration `yaml:"warning_for"`
	CriticalFor Duration `yaml:"critical_for"`
	// HysteresisPercent overrides alerts.hysteresis_percent for this rule when set.
	HysteresisPercent *float64 `yaml:"hysteresis_percent,omitempty"`
}

// Direction says which way a rule's metric is bad.
type Direction int

// Rule directions.
const (
	Above Direction = iota // alert when the value is greater than the level
	Below                  // alert when the value is less than the level
)

// NamedRule is a rule with its metric name and direction.
type NamedRule struct {
	Metric    string
	Direction Direction
	Rule      *Rule
}

// List returns every rule in contract.md §5 order with its metric name and direction.
func (r *AlertRules) List() []NamedRule {
	return []NamedRule{
		{"gpu_utilization", Above, &r.GPUUtilization},
		{"gpu_temperature", Above, &r.GPUTemperature},
		{"gpu_vram", Above, &r.GPUVRAM},
		{"gpu_power", Above, &r.GPUPower},
		{"rtdetr_latency_p95", Above, &r.DetectorLatencyP95},
		{"nemotron_latency_p95", Above, &r.LLMLatencyP95},
		{"pg_connections", Above, &r.PGConnections},
		{"pg_cache_hit", Below, &r.PGCacheHit},
		{"redis_memory", Above, &r.RedisMemory},
		{"redis_hit_ratio", Below, &r.RedisHitRatio},
		{"host_cpu", Above, &r.HostCPU},
		{"host_ram", Above, &r.HostRAM},
		{"host_disk", Above, &r.HostDisk},
		{"container_health", Above, &r.ContainerHealth},
		{"gpu_throttle", Above, &r.GPUThrottle},
		{"gpu_xid", Above, &r.GPUXid},
		{"gpu_pcie_link", Above, &r.GPUPCIeLink},
		{"gpu_ecc", Above, &r.GPUECC},
	}
}

// DefaultAlerts returns contract.md §5's levels. Latencies are in ms, memory in MB,
// connections in % of the limit, container health in unhealthy rows (warning from 1,
// critical from 2: the levels are "at least" for this count).
func DefaultAlerts() AlertsConfig {
	on := func(w, c float64) Rule { return Rule{Enabled: true, Warning: w, Critical: c} }
	sustained := func(w, c float64, wf, cf time.Duration) Rule {
		r := on(w, c)
		r.WarningFor, r.CriticalFor = Duration(wf), Duration(cf)
		return r
	}
	return AlertsConfig{
		HysteresisPercent: 5,
		Rules: AlertRules{
			GPUUtilization:     sustained(90, 98, 2*time.Minute, 5*time.Minute),
			GPUTemperature:     on(75, 85),
			GPUVRAM:            on(90, 95),
			GPUPower:           on(300, 350),
			DetectorLatencyP95: on(200, 500),
			LLMLatencyP95:      on(10000, 30000),
			PGConnections:      on(80, 95),
			PGCacheHit:         on(90, 80),
			RedisMemory:        on(100, 500),
			RedisHitRatio:      on(50, 10),
			HostCPU:            sustained(80, 95, time.Minute, time.Minute),
			HostRAM:            on(85, 95),
			HostDisk:           on(80, 90),
			ContainerHealth:    on(1, 2),
			GPUThrottle:        on(60, 300),
			GPUXid:             on(0, 2),
			GPUPCIeLink:        on(0, 50),
			GPUECC:             on(0, 10),
		},
	}
}

// nonFinite names the first NaN or infinite level, or "".
func nonFinite(levels ...float64) string {
	for _, v := range levels {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprint(v)
		}
	}
	return ""
}

func (a *AlertsConfig) validate() []string {
	var errs []string
	if a.HysteresisPercent < 0 || a.HysteresisPercent >= 100 {
		errs = append(errs, fmt.Sprintf("alerts.hysteresis_percent: %g must be in [0, 100)", a.HysteresisPercent))
	}
	for _, nr := range a.Rules.List() {
		r, key := nr.Rule, "alerts.rules."+nr.Metric
		if bad := nonFinite(r.Warning, r.Critical); bad != "" {
			errs = append(errs, fmt.Sprintf("%s: %s is not a finite number (a level can never be compared with it)", key, bad))
			continue
		}
		if nr.Direction == Above && r.Warning >= r.Critical {
			errs = append(errs, fmt.Sprintf("%s: warning (%g) must be below critical (%g)", key, r.Warning, r.Critical))
		}
		if nr.Direction == Below && r.Warning <= r.Critical {
			errs = append(errs, fmt.Sprintf("%s: warning (%g) must be above critical (%g) for a \"less than\" rule", key, r.Warning, r.Critical))
		}
		if r.WarningFor < 0 || r.CriticalFor < 0 {
			errs = append(errs, fmt.Sprintf("%s: windows must not be negative", key))
		}
		if h := r.HysteresisPercent; h != nil && (*h < 0 || *h >= 100) {
			errs = append(errs, fmt.Sprintf("%s.hysteresis_percent: %g must be in [0, 100)", key, *h))
		}
	}
	return errs
}
