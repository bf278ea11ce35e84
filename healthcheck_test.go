package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		w.Write([]byte(`{"status":"stalled"}` + "\n"))
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	status = http.StatusOK
	for _, arg := range []string{srv.URL + "/healthz", srv.URL, host} {
		code, stdout, stderr := runCLI("healthcheck", arg)
		if code != exitOK || !strings.Contains(stdout, "200 OK") || stderr != "" {
			t.Errorf("healthcheck %s on 200: exit %d, stdout %q, stderr %q", arg, code, stdout, stderr)
		}
	}
	status = http.StatusServiceUnavailable
	code, _, stderr := runCLI("healthcheck", host)
	if code != exitCritical || !strings.Contains(stderr, "503") || !strings.Contains(stderr, `"stalled"`) {
		t.Errorf("on 503: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI("healthcheck", srv.URL+"/elsewhere"); code != exitCritical || !strings.Contains(stderr, "404") {
		t.Errorf("on 404: exit %d, stderr %q", code, stderr)
	}
}

func TestHealthcheckWithNothingListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, stdout, stderr := runCLI("healthcheck", addr)
	if code != exitCritical || stdout != "" || !strings.Contains(stderr, "connection refused") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestHealthcheckBadURL(t *testing.T) {
	for _, arg := range []string{"ftp://box/healthz", "http://", "http://[::1"} {
		code, _, stderr := runCLI("healthcheck", arg)
		if code != exitUnknown || !strings.HasPrefix(stderr, "hsi-top: healthcheck: ") {
			t.Errorf("%q: exit %d, stderr %q", arg, code, stderr)
		}
	}
	if code, _, _ := runCLI("healthcheck", "a", "b"); code != exitUnknown {
		t.Errorf("two URLs: exit %d, want %d", code, exitUnknown)
	}
}

func TestHealthURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8089":                "http://127.0.0.1:8089/healthz",
		"http://box:8089":               "http://box:8089/healthz",
		"http://box:8089/":              "http://box:8089/healthz",
		"https://box/hsi/healthz":       "https://box/hsi/healthz",
		"http://[::1]:8089/healthz?x=1": "http://[::1]:8089/healthz?x=1",
	} {
		if got, err := healthURL(in); err != nil || got != want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
