package tui

import (
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// Threshold is one alert rule's levels, used to colour a value by what it is even
// before a sustained rule fires.
type Threshold struct {
	Warning, Critical float64
	// Below: the value is bad when it falls under the levels (cache hit ratios).
	Below bool
}

// Thresholds are the alert rules' levels by metric name.
type Thresholds map[string]Threshold

// ThresholdsFrom takes the enabled rules' levels.
func ThresholdsFrom(r config.AlertRules) Thresholds {
	out := Thresholds{}
	for _, nr := range r.List() {
		if nr.Rule.Enabled {
			out[nr.Metric] = Threshold{Warning: nr.Rule.Warning, Critical: nr.Rule.Critical, Below: nr.Direction == config.Below}
		}
	}
	return out
}

func defaultThresholds() Thresholds {
	a := config.DefaultAlerts()
	return ThresholdsFrom(a.Rules)
}

// level is how bad x is against the metric's levels; lvOK without a rule.
func (t Thresholds) level(metric string, x float64) level {
	th, ok := t[metric]
	if !ok {
		return lvOK
	}
	return th.level(x)
}

// level is how bad x is against these levels.
func (th Threshold) level(x float64) level {
	past := func(l float64) bool {
		if th.Below {
			return x < l
		}
		return x >= l
	}
	switch {
	case past(th.Critical):
		return lvCrit
	case past(th.Warning):
		return lvWarn
	}
	return lvOK
}

// metricUnits is each alert metric's unit, for values and thresholds on screen.
var metricUnits = map[string]string{
	"gpu_utilization": "%", "gpu_temperature": "°C", "gpu_vram": "%", "gpu_power": " W",
	"rtdetr_latency_p95": " ms", "nemotron_latency_p95": " ms",
	"pg_connections": "%", "pg_cache_hit": "%", "redis_memory": " MB", "redis_hit_ratio": "%",
	"host_cpu": "%", "host_ram": "%", "host_disk": "%", "container_health": " unhealthy",
}

// withUnit writes an alert's value or threshold with its metric's unit: "4,800 ms".
func withUnit(metric string, x float64) string {
	u := metricUnits[metric]
	return scaleValue(x, u)
}

// valueLevel is the worse of the active alert on metric and the value's own level.
func (v *view) valueLevel(metric, object string, x *float64) level {
	lv := v.alertLevel(metric, object)
	if x != nil {
		lv = max(lv, v.th.level(metric, *x))
	}
	return lv
}

// levelFn colours a chart's values by metric's levels.
func (v *view) levelFn(metric string) func(float64) level {
	th, ok := v.th[metric]
	if !ok {
		return nil
	}
	return th.level
}

// loadLevel judges the 1-minute load per core: amber from 1 (every core busy), red from 2.
func loadLevel(h snapshot.Host) level {
	if len(h.Load) == 0 || h.CPUCount <= 0 {
		return lvOK
	}
	per := h.Load[0] / float64(h.CPUCount)
	switch {
	case per >= 2:
		return lvCrit
	case per >= 1:
		return lvWarn
	}
	return lvOK
}
