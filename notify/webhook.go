package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/hsi-top/hsi-top/alerts"
	"github.com/hsi-top/hsi-top/config"
)

// Webhook headers.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256 of the body with the
	// webhook's secret; absent without a secret.
	HeaderSignature = "X-Hsi-Top-Signature"
	// HeaderEvent is the event kind: raise, clear or repeat.
	HeaderEvent = "X-Hsi-Top-Event"
)

// webhook posts each event as JSON.
type webhook struct {
	cfg    config.WebhookConfig
	client *http.Client
	agent  string
}

// Sign returns the signature header value of body under secret: "sha256=<hex>".
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (w *webhook) Send(ctx context.Context, ev alerts.Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encoding the event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL.Value(), bytes.NewReader(body))
	if err != nil {
		return errors.New("bad webhook URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.agent)
	req.Header.Set(HeaderEvent, string(ev.Event))
	if s := w.cfg.Secret.Value(); s != "" {
		req.Header.Set(HeaderSignature, Sign([]byte(s), body))
	}
	return do(w.client, req)
}

// do sends req and turns a non-2xx answer into an error. Errors name the status or
// the network failure, never the URL, which may hold a token.
func do(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Host, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s: answered %s", req.Method, req.URL.Host, resp.Status)
	}
	return nil
}
