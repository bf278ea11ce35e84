package notify

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/hsi-top/hsi-top/snapshot"
)

// haDevice groups the entities of one hsi-top under one device in Home Assistant.
type haDevice struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	SWVersion    string   `json:"sw_version,omitempty"`
}

// haConfig is a Home Assistant MQTT discovery config
// (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery).
type haConfig struct {
	Name              string   `json:"name"`
	UniqueID          string   `json:"unique_id"`
	StateTopic        string   `json:"state_topic"`
	ValueTemplate     string   `json:"value_template"`
	AvailabilityTopic string   `json:"availability_topic"`
	DeviceClass       string   `json:"device_class,omitempty"`
	Unit              string   `json:"unit_of_measurement,omitempty"`
	StateClass        string   `json:"state_class,omitempty"`
	PayloadOn         string   `json:"payload_on,omitempty"`
	PayloadOff        string   `json:"payload_off,omitempty"`
	Device            haDevice `json:"device"`
}

// discovery returns the retained config messages: a problem binary_sensor per rule and
// a sensor per key number, all reading the one state topic.
func discovery(t Topics, rules []string, sensors []sensor, version string) ([]discoveryMessage, error) {
	dev := haDevice{Identifiers: []string{"hsi-top_" + t.node}, Name: "hsi-top " + t.node, Manufacturer: "hsi-top", Model: "hsi-top", SWVersion: version}
	var out []discoveryMessage
	add := func(component, object string, c haConfig) error {
		c.UniqueID = "hsi-top_" + t.node + "_" + object
		c.StateTopic, c.AvailabilityTopic, c.Device = t.State, t.Availability, dev
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		out = append(out, discoveryMessage{topic: t.Discovery(component, object), payload: b})
		return nil
	}
	for _, r := range rules {
		c := haConfig{Name: strings.ReplaceAll(r, "_", " ") + " alert", ValueTemplate: "{{ value_json.alerts." + r + " }}",
			DeviceClass: "problem", PayloadOn: "ON", PayloadOff: "OFF"}
		if err := add("binary_sensor", "alert_"+r, c); err != nil {
			return nil, err
		}
	}
	for _, s := range sensors {
		c := haConfig{Name: s.name, ValueTemplate: "{{ value_json." + s.key + " }}", DeviceClass: s.deviceClass, Unit: s.unit, StateClass: "measurement"}
		if err := add("sensor", s.key, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// statePayload is the state topic's JSON: every sensor's number (null when unknown)
// and "alerts": every rule's "ON" or "OFF".
func statePayload(s *snapshot.Snapshot, rules []string, sensors []sensor) ([]byte, error) {
	state := make(map[string]any, len(sensors)+1)
	on := make(map[string]string, len(rules))
	for _, r := range rules {
		on[r] = "OFF"
	}
	for _, a := range s.Alerts {
		if _, ok := on[string(a.Metric)]; ok {
			on[string(a.Metric)] = "ON"
		}
	}
	state["alerts"] = on
	for _, sn := range sensors {
		if v := sn.read(s); v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0) {
			state[sn.key] = round2(*v)
		} else {
			state[sn.key] = nil
		}
	}
	return json.Marshal(state)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
