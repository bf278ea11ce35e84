package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hsi-top/hsi-top/config"
)

func offlineConfig(t *testing.T) config.Config {
	t.Helper()
	loaded, err := loadConfig(&cliFlags{configFile: writeConfig(t, offline)})
	if err != nil {
		t.Fatal(err)
	}
	return loaded.Config
}

func TestServeExitsUnknownWhenTheAddressIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := offlineConfig(t)
	cfg.Serve.Addr = taken.Addr().String()
	var stderr syncBuffer
	if code := runServe(context.Background(), cfg, &stderr); code != exitUnknown {
		t.Fatalf("exit %d, want %d", code, exitUnknown)
	}
	if !strings.Contains(stderr.String(), "cannot listen on "+cfg.Serve.Addr) {
		t.Errorf("stderr does not say why: %s", stderr.String())
	}
}

func TestServeFeedsAndStopsCleanly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := offlineConfig(t)
	cfg.Serve.Addr = addr
	cfg.Serve.APIKey = "serve-test-key"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	exited := make(chan int, 1)
	go func() { exited <- runServe(ctx, cfg, &stderr) }()

	base := "http://" + addr
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered 200: %v; log: %s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	resp, err := client.Get(base + "/api/system/performance?api_key=serve-test-key")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), `{"timestamp":"`) {
		t.Fatalf("performance: %d %.80s", resp.StatusCode, body)
	}
	resp, err = client.Get(base + "/api/system/performance/history?time_range=15m&api_key=serve-test-key")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"time_range":"15m"`) {
		t.Fatalf("history: %d %.200s", resp.StatusCode, body)
	}

	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	c, _, err := websocket.Dial(dctx, "ws://"+addr+"/ws/system", &websocket.DialOptions{Subprotocols: []string{"api-key.serve-test-key"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	_, first, err := c.Read(dctx)
	if err != nil || !strings.HasPrefix(string(first), `{"type":"system_status"`) {
		t.Fatalf("first frame %.60s, %v", first, err)
	}

	cancel() // what SIGINT/SIGTERM do through main's context
	var closeErr error
	for closeErr == nil {
		_, _, closeErr = c.Read(dctx)
	}
	if code := websocket.CloseStatus(closeErr); code != websocket.StatusGoingAway {
		t.Errorf("socket closed with %d (%v), want 1001", code, closeErr)
	}
	if code := <-exited; code != exitOK {
		t.Errorf("exit %d, want 0; log: %s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "serve-test-key") || strings.Contains(stderr.String(), "hunter2") {
		t.Errorf("a secret reached the log: %s", stderr.String())
	}
}
