package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// NotifyConfig is where alerts are sent when they raise and clear. Every channel is
// optional and any number of ntfy topics and webhooks may be given.
type NotifyConfig struct {
	Ntfy    []NtfyConfig    `yaml:"ntfy"`
	Webhook []WebhookConfig `yaml:"webhook"`
	MQTT    MQTTConfig      `yaml:"mqtt"`
	// RepeatEvery is how often a still-active critical alert is sent again.
	RepeatEvery Duration `yaml:"repeat_every"`
	// HeartbeatURL, when set, is requested every HeartbeatEvery while the collector runs
	// and no critical alert is active (a dead-man's switch: healthchecks.io, Uptime Kuma).
	HeartbeatURL   SecretURL `yaml:"heartbeat_url"`
	HeartbeatEvery Duration  `yaml:"heartbeat_every"`
	// Mute lists rule names (host_disk), services (container names) and mounts (paths)
	// that are expected offline: their alerts are shown but never sent.
	Mute []string `yaml:"mute"`
}

// NtfyConfig is one ntfy topic.
type NtfyConfig struct {
	// URL is the topic URL, https://ntfy.sh/my-topic.
	URL   SecretURL `yaml:"url"`
	Token Secret    `yaml:"token"`
	// Click is the URL a tap on the notification opens (the page), optional.
	Click string `yaml:"click,omitempty"`
}

// WebhookConfig is one generic webhook: a JSON POST per raise and clear.
type WebhookConfig struct {
	URL SecretURL `yaml:"url"`
	// Secret, when set, signs each body: X-Hsi-Top-Signature: sha256=HMAC-SHA256 hex.
	Secret Secret `yaml:"secret"`
}

// MQTTConfig is an MQTT broker with Home Assistant discovery; off while Broker is empty.
type MQTTConfig struct {
	// Broker is tcp://host:1883 (or ssl://, ws://).
	Broker          string `yaml:"broker"`
	Username        string `yaml:"username"`
	Password        Secret `yaml:"password"`
	DiscoveryPrefix string `yaml:"discovery_prefix"`
	TopicPrefix     string `yaml:"topic_prefix"`
}

// DefaultNotify sends nothing: every channel is off until configured.
func DefaultNotify() NotifyConfig {
	return NotifyConfig{
		Ntfy:           []NtfyConfig{},
		Webhook:        []WebhookConfig{},
		MQTT:           MQTTConfig{DiscoveryPrefix: "homeassistant", TopicPrefix: "hsi-top"},
		RepeatEvery:    Duration(time.Hour),
		HeartbeatEvery: Duration(5 * time.Minute),
		Mute:           []string{},
	}
}

// mutable reports whether name is something notify.mute can name.
func (c *Config) mutable(name string) bool {
	for _, nr := range c.Alerts.Rules.List() {
		if nr.Metric == name {
			return true
		}
	}
	for _, ct := range c.Containers {
		if ct.Name == name {
			return true
		}
	}
	if name == "/" || slices.Contains(c.Host.Mounts, name) {
		return true
	}
	if d, ok := strings.CutPrefix(name, "gpu"); ok && d != "" && strings.Trim(d, "0123456789") == "" {
		return true
	}
	return false
}

// StateDirectory is where history and the alert log are kept across restarts:
// state_dir when set, else $XDG_STATE_HOME/hsi-top, else ~/.local/state/hsi-top.
func (c *Config) StateDirectory() (string, error) {
	if c.StateDir != "" {
		return c.StateDir, nil
	}
	if x := os.Getenv("XDG_STATE_HOME"); x != "" {
		return filepath.Join(x, "hsi-top"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("state_dir: not set, and neither $XDG_STATE_HOME nor a home directory is known: %w", err)
	}
	return filepath.Join(home, ".local", "state", "hsi-top"), nil
}

func (n *NotifyConfig) validate(c *Config) []string {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	for i, m := range n.Mute {
		if !c.mutable(m) {
			bad("notify.mute[%d]: %q is neither a rule name (host_disk, …), a service in containers, a mount in host.mounts nor a GPU (gpu0)", i, m)
		}
	}
	for i, c := range n.Ntfy {
		if err := checkHTTPURL(c.URL.Value()); err != nil || c.URL == "" {
			bad("notify.ntfy[%d].url: %q is not an http(s) topic URL", i, c.URL.String())
		}
	}
	for i, c := range n.Webhook {
		if err := checkHTTPURL(c.URL.Value()); err != nil || c.URL == "" {
			bad("notify.webhook[%d].url: %q is not an http(s) URL", i, c.URL.String())
		}
	}
	if b := n.MQTT.Broker; b != "" {
		u, err := url.Parse(b)
		if err != nil || u.Host == "" || (u.Scheme != "tcp" && u.Scheme != "ssl" && u.Scheme != "tls" && u.Scheme != "mqtt" && u.Scheme != "mqtts" && u.Scheme != "ws" && u.Scheme != "wss") {
			bad("notify.mqtt.broker: %q is not a tcp://host:port, ssl:// or ws:// URL", RedactURL(b))
		}
		if n.MQTT.DiscoveryPrefix == "" || n.MQTT.TopicPrefix == "" {
			bad("notify.mqtt: discovery_prefix and topic_prefix must not be empty")
		}
	}
	if err := checkHTTPURL(n.HeartbeatURL.Value()); err != nil {
		bad("notify.heartbeat_url: %q: %v", n.HeartbeatURL.String(), err)
	}
	if n.RepeatEvery.D() < time.Minute {
		bad("notify.repeat_every: %s is below 1m", n.RepeatEvery)
	}
	if n.HeartbeatEvery.D() < 10*time.Second {
		bad("notify.heartbeat_every: %s is below 10s", n.HeartbeatEvery)
	}
	return errs
}
