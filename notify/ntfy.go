package notify

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/snapshot"
)

// ntfy publishes each event to an ntfy topic (https://docs.ntfy.sh/publish/): the
// message as the body, the title, priority and tags as headers.
type ntfy struct {
	cfg    config.NtfyConfig
	client *http.Client
	agent  string
}

// NtfyPriority is the ntfy priority of an event: urgent (5) for a critical raise or
// repeat, high (4) for a warning, low (2) for a clear.
func NtfyPriority(ev alerts.Event) string {
	switch {
	case ev.Event == alerts.EventClear:
		return "2"
	case ev.Severity == snapshot.SeverityCritical:
		return "5"
	default:
		return "4"
	}
}

// NtfyTags are the emoji tags of an event.
func NtfyTags(ev alerts.Event) string {
	switch {
	case ev.Event == alerts.EventClear:
		return "white_check_mark," + string(ev.Metric)
	case ev.Severity == snapshot.SeverityCritical:
		return "rotating_light," + string(ev.Metric)
	default:
		return "warning," + string(ev.Metric)
	}
}

func (n *ntfy) Send(ctx context.Context, ev alerts.Event) error {
	msg := ev.Message
	if ev.Host != "" {
		msg += " (" + ev.Host + ")"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.cfg.URL.Value(), strings.NewReader(msg))
	if err != nil {
		return errors.New("bad ntfy URL")
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("User-Agent", n.agent)
	req.Header.Set("Title", ev.Title())
	req.Header.Set("Priority", NtfyPriority(ev))
	req.Header.Set("Tags", NtfyTags(ev))
	if n.cfg.Click != "" {
		req.Header.Set("Click", n.cfg.Click)
	}
	if t := n.cfg.Token.Value(); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	return do(n.client, req)
}
