package config

import (
	"strings"
	"testing"
)

func TestNotifyValidation(t *testing.T) {
	c := Default()
	c.Notify.Mute = []string{"host_disk", "ai-llm", "/", "gpu1"}
	c.Notify.Webhook = []WebhookConfig{{URL: "http://127.0.0.1:9000/hook", Secret: "s"}}
	if err := c.Validate(); err != nil {
		t.Fatalf("a valid notify section: %v", err)
	}
	c.Notify.Mute = []string{"host-disk"}
	c.Notify.Ntfy = []NtfyConfig{{URL: "ntfy.sh/topic", Token: "tk_secret"}}
	c.Notify.MQTT.Broker = "http://user:mqttpw@broker:1883"
	c.Notify.RepeatEvery = Duration(0)
	err := c.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`notify.mute[0]: "host-disk" is neither a rule name`, "notify.ntfy[0].url", "notify.mqtt.broker", "notify.repeat_every"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "mqttpw") || strings.Contains(err.Error(), "tk_secret") {
		t.Errorf("the error shows a secret: %v", err)
	}
}
