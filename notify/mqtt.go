package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// MQTT payloads of the availability topic.
const (
	PayloadOnline  = "online"
	PayloadOffline = "offline"
)

// Topics are the MQTT topics of one hsi-top instance (node).
type Topics struct {
	// Availability is "online" (retained) while connected; the broker publishes the
	// last will "offline" when hsi-top goes away.
	Availability string
	// State is the retained JSON of the key numbers and of every rule's ON/OFF.
	State string
	// Events receives every raise, clear and repeat (the webhook's JSON), not retained.
	Events string
	// Discovery is where Home Assistant's config topics go:
	// <discovery_prefix>/<component>/<node>/<object>/config.
	discoveryPrefix, node string
}

// TopicsFor returns the topics for the configuration and node id.
func TopicsFor(cfg config.MQTTConfig, node string) Topics {
	base := cfg.TopicPrefix + "/" + node
	return Topics{Availability: base + "/availability", State: base + "/state", Events: base + "/events",
		discoveryPrefix: cfg.DiscoveryPrefix, node: node}
}

// Discovery returns the discovery config topic of one entity.
func (t Topics) Discovery(component, object string) string {
	return t.discoveryPrefix + "/" + component + "/" + t.node + "/" + object + "/config"
}

// NodeID is the MQTT node id of this machine: its host name as a topic segment.
func NodeID() string {
	h, err := os.Hostname()
	if err != nil {
		h = "hsi-top"
	}
	return slug(h)
}

// mqttChannel publishes to a broker: discovery and availability on every connect, the
// state on every tick (coalesced: a slow broker gets the newest state, never a backlog),
// and the events through its queue (it is the queue's Sender).
type mqttChannel struct {
	client  mqtt.Client
	topics  Topics
	rules   []string
	sensors []sensor
	disco   []discoveryMessage

	state    chan []byte
	lastSent []byte
	mu       sync.Mutex
	stateErr error
	connErr  error // the first connection's last failure

	stop chan struct{}
	done chan struct{}
}

type discoveryMessage struct {
	topic   string
	payload []byte
}

func newMQTT(cfg config.Config, version string) (*mqttChannel, error) {
	mc := cfg.Notify.MQTT
	node := NodeID()
	m := &mqttChannel{topics: TopicsFor(mc, node), state: make(chan []byte, 1), stop: make(chan struct{}), done: make(chan struct{})}
	for _, nr := range cfg.Alerts.Rules.List() {
		if nr.Rule.Enabled {
			m.rules = append(m.rules, nr.Metric)
		}
	}
	m.sensors = append(m.sensors, keySensors...)
	for _, p := range cfg.Host.Mounts {
		m.sensors = append(m.sensors, diskSensor(p))
	}
	disco, err := discovery(m.topics, m.rules, m.sensors, version)
	if err != nil {
		return nil, err
	}
	m.disco = disco
	opts := mqtt.NewClientOptions().AddBroker(mc.Broker).
		SetClientID("hsi-top-"+node).
		SetUsername(mc.Username).SetPassword(mc.Password.Value()).
		SetWill(m.topics.Availability, PayloadOffline, 1, true).
		SetAutoReconnect(true).SetMaxReconnectInterval(time.Minute).
		SetConnectTimeout(5 * time.Second).SetWriteTimeout(5 * time.Second).
		SetOrderMatters(false).
		SetOnConnectHandler(m.onConnect)
	m.client = mqtt.NewClient(opts)
	go m.run()
	return m, nil
}

// connect tries the first connection until it works or the channel stops, with waits
// doubling from 1 s to 1 min (paho reconnects by itself after that). paho's own
// ConnectRetry is not used: it sleeps through a Disconnect.
func (m *mqttChannel) connect() bool {
	wait := time.Second
	for {
		tok := m.client.Connect()
		<-tok.Done() // bounded by the connect timeout
		err := tok.Error()
		m.mu.Lock()
		m.connErr = err
		m.mu.Unlock()
		if err == nil {
			return true
		}
		select {
		case <-m.stop:
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// onConnect announces the node: online, then every discovery config, all retained.
func (m *mqttChannel) onConnect(c mqtt.Client) {
	c.Publish(m.topics.Availability, 1, true, PayloadOnline)
	for _, d := range m.disco {
		c.Publish(d.topic, 1, true, d.payload)
	}
	m.mu.Lock()
	m.lastSent = nil // republish the state after a reconnect
	m.mu.Unlock()
}

// publishState queues s's state, replacing any state not yet sent.
func (m *mqttChannel) publishState(s *snapshot.Snapshot) {
	b, err := statePayload(s, m.rules, m.sensors)
	if err != nil {
		return
	}
	select {
	case <-m.state:
	default:
	}
	m.state <- b
}

func (m *mqttChannel) run() {
	defer close(m.done)
	if !m.connect() {
		return
	}
	for {
		select {
		case <-m.stop:
			return
		case b := <-m.state:
			m.sendState(b)
		}
	}
}

// sendState publishes b unless it equals the last state sent (state on change).
func (m *mqttChannel) sendState(b []byte) {
	m.mu.Lock()
	same := string(b) == string(m.lastSent)
	m.mu.Unlock()
	if same {
		return
	}
	var err error
	if !m.client.IsConnectionOpen() {
		err = errors.New("not connected to the broker")
	} else {
		err = wait(m.client.Publish(m.topics.State, 1, true, b), 5*time.Second)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stateErr = err
	if err == nil {
		m.lastSent = b
	}
}

// Send publishes one event (the queue's Sender).
func (m *mqttChannel) Send(ctx context.Context, ev alerts.Event) error {
	if !m.client.IsConnectionOpen() {
		return errors.New("not connected to the broker")
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	d := AttemptTimeout
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl)
	}
	return wait(m.client.Publish(m.topics.Events, 1, false, b), d)
}

func wait(t mqtt.Token, d time.Duration) error {
	if !t.WaitTimeout(d) {
		return fmt.Errorf("the broker did not acknowledge within %s", d)
	}
	return t.Error()
}

// amend makes the channel's source status also tell about the connection and state.
func (m *mqttChannel) amend(st *snapshot.SourceStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st.Via = "mqtt"
	if !m.client.IsConnectionOpen() {
		st.OK, st.Error = false, "not connected to the broker"
		if m.connErr != nil {
			st.Error += ": " + m.connErr.Error()
		}
		return
	}
	if m.stateErr != nil {
		st.OK, st.Error = false, "state: "+m.stateErr.Error()
	}
}

// close says offline (a clean disconnect sends no will) and disconnects.
func (m *mqttChannel) close() error {
	close(m.stop)
	<-m.done
	var err error
	if m.client.IsConnectionOpen() {
		err = wait(m.client.Publish(m.topics.Availability, 1, true, PayloadOffline), 2*time.Second)
	}
	m.client.Disconnect(250)
	return err
}
