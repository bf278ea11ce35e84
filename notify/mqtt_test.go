package notify

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/internal/testenv"
	"github.com/hsi-top/hsi-top/snapshot"
)

// haSubscriber is shaped like Home Assistant's MQTT integration: it subscribes to the
// discovery prefix and to the topics the discovered configs name, and keeps the last
// payload (and whether it was retained) per topic.
type haSubscriber struct {
	client mqtt.Client
	mu     sync.Mutex
	last   map[string]mqtt.Message
}

func newHASubscriber(t *testing.T, broker, id string, topics ...string) *haSubscriber {
	t.Helper()
	h := &haSubscriber{last: map[string]mqtt.Message{}}
	opts := mqtt.NewClientOptions().AddBroker(broker).SetClientID(id).SetAutoReconnect(false)
	h.client = mqtt.NewClient(opts)
	if tok := h.client.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	for _, topic := range topics {
		tok := h.client.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) {
			h.mu.Lock()
			h.last[m.Topic()] = m
			h.mu.Unlock()
		})
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("subscribe %s: %v", topic, tok.Error())
		}
	}
	t.Cleanup(func() { h.client.Disconnect(100) })
	return h
}

// wait returns topic's last message once ok accepts it (10 s at most).
func (h *haSubscriber) wait(t *testing.T, topic string, ok func(payload string) bool) mqtt.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		m := h.last[topic]
		h.mu.Unlock()
		if m != nil && ok(string(m.Payload())) {
			return m
		}
		if time.Now().After(deadline) {
			last := "nothing"
			if m != nil {
				last = string(m.Payload())
			}
			t.Fatalf("%s: no acceptable message in 10s (last: %s)", topic, last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *haSubscriber) topics(prefix string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for k := range h.last {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

func gpuSnapshot(ts time.Time, a ...snapshot.Alert) *snapshot.Snapshot {
	s := snapAt(ts, a...)
	s.GPUs = []snapshot.GPU{{Name: "RTX", Utilization: snapshot.F(42), Temperature: snapshot.F(61), PowerWatts: snapshot.F(180.456)}}
	s.GPU = &s.GPUs[0]
	s.Host.Mounts = []snapshot.Mount{{Path: "/", Percent: snapshot.F(93.5)}}
	return s
}

func TestMQTTHomeAssistantDiscoveryAndState(t *testing.T) {
	broker := testenv.MQTTBroker(t)
	prefix := "hsi-test-" + slug(t.Name())
	disco := prefix + "-ha"
	ha := newHASubscriber(t, broker, "ha-"+prefix, disco+"/#", prefix+"/#")
	clearRetained(t, ha.client, TopicsFor(config.MQTTConfig{TopicPrefix: prefix}, NodeID()).State) // an earlier run's

	cfg := config.Default()
	cfg.Notify.MQTT = config.MQTTConfig{Broker: broker, DiscoveryPrefix: disco, TopicPrefix: prefix}
	n, err := New(cfg, Options{Version: "test", Start: t0.Add(-time.Hour), timing: fastTiming})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	tp := TopicsFor(cfg.Notify.MQTT, NodeID())
	ha.wait(t, tp.Availability, func(p string) bool { return p == PayloadOnline })

	// Discovery: one problem binary_sensor per rule, one sensor per key number, retained.
	m := ha.wait(t, tp.Discovery("binary_sensor", "alert_host_disk"), func(string) bool { return true })
	var c haConfig
	if err := json.Unmarshal(m.Payload(), &c); err != nil {
		t.Fatal(err)
	}
	if c.DeviceClass != "problem" || c.StateTopic != tp.State || c.AvailabilityTopic != tp.Availability ||
		c.ValueTemplate != "{{ value_json.alerts.host_disk }}" || c.PayloadOn != "ON" || c.UniqueID == "" || len(c.Device.Identifiers) != 1 {
		t.Errorf("host_disk discovery config %+v", c)
	}
	ha.wait(t, tp.Discovery("sensor", "disk_root"), func(string) bool { return true })
	enabled := 0
	for _, nr := range cfg.Alerts.Rules.List() {
		if nr.Rule.Enabled {
			enabled++
		}
	}
	if got := len(ha.topics(disco + "/binary_sensor/")); got != enabled {
		t.Errorf("%d binary sensors discovered, want %d (one per enabled rule)", got, enabled)
	}
	if got, want := len(ha.topics(disco+"/sensor/")), len(keySensors)+len(cfg.Host.Mounts); got != want {
		t.Errorf("%d sensors discovered, want %d", got, want)
	}

	// State: what the value templates read.
	n.Process(gpuSnapshot(t0, diskAlert(t0)))
	var state map[string]any
	ha.wait(t, tp.State, func(p string) bool {
		return strings.Contains(p, `"host_disk":"ON"`) && json.Unmarshal([]byte(p), &state) == nil
	})
	alertsOn, _ := state["alerts"].(map[string]any)
	if alertsOn["host_disk"] != "ON" || alertsOn["gpu_temperature"] != "OFF" {
		t.Errorf("state alerts %v", alertsOn)
	}
	if state["gpu_utilization"] != 42.0 || state["gpu_power"] != 180.46 || state["disk_root"] != 93.5 {
		t.Errorf("state numbers %v", state)
	}
	if v, ok := state["gpu_vram"]; !ok || v != nil {
		t.Errorf("an unknown number is %v, want null", v)
	}
	ev := ha.wait(t, tp.Events, func(p string) bool { return strings.Contains(p, `"event":"raise"`) })
	if ev.Retained() {
		t.Errorf("events are retained")
	}

	// A Home Assistant that starts later still finds everything: discovery and state are
	// retained.
	late := newHASubscriber(t, broker, "late-"+prefix, disco+"/#", tp.State)
	if !late.wait(t, tp.Discovery("binary_sensor", "alert_gpu_vram"), func(string) bool { return true }).Retained() {
		t.Errorf("discovery is not retained")
	}
	late.wait(t, tp.State, func(p string) bool { return strings.Contains(p, `"host_disk":"ON"`) })

	// The clear turns the problem sensor off; a clean close says offline.
	n.Process(gpuSnapshot(t0.Add(5 * time.Second)))
	ha.wait(t, tp.State, func(p string) bool { return strings.Contains(p, `"host_disk":"OFF"`) })
	ha.wait(t, tp.Events, func(p string) bool { return strings.Contains(p, `"event":"clear"`) })
	s := gpuSnapshot(t0.Add(10 * time.Second))
	n.Process(s)
	if src, ok := s.Source(SourceMQTT); !ok || !src.OK || src.Via != "mqtt" {
		t.Errorf("mqtt source %+v, want ok", src)
	}
	n.Close()
	ha.wait(t, tp.Availability, func(p string) bool { return p == PayloadOffline })
	clearRetained(t, ha.client, append(ha.topics(disco), tp.State, tp.Availability)...)
}

// clearRetained removes the retained messages a test left on the shared broker.
func clearRetained(t *testing.T, c mqtt.Client, topics ...string) {
	for _, topic := range topics {
		c.Publish(topic, 1, true, []byte{}).WaitTimeout(5 * time.Second)
	}
}

func TestMQTTBrokerDownIsReportedNotFatal(t *testing.T) {
	cfg := config.Default()
	cfg.Notify.MQTT = config.MQTTConfig{Broker: "tcp://127.0.0.1:1", Password: "mqtt-secret", DiscoveryPrefix: "homeassistant", TopicPrefix: "hsi-top"}
	n, err := New(cfg, Options{Version: "test", timing: fastTiming})
	if err != nil {
		t.Fatal(err)
	}
	s := gpuSnapshot(t0)
	n.Process(s)
	src, ok := s.Source(SourceMQTT)
	if !ok || src.OK || !strings.Contains(src.Error, "not connected") || strings.Contains(src.Error, "mqtt-secret") {
		t.Errorf("mqtt source %+v, want a down channel without the password", src)
	}
	n.Close()
}
