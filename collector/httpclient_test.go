package collector

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHTTPClientGet(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			w.WriteHeader(http.StatusServiceUnavailable) // a status is a response, not an error
			w.Write([]byte(r.Header.Get("X-API-Key") + "|" + r.Header.Get("User-Agent")))
		case "/exact":
			w.Write(make([]byte, MaxBodyBytes))
		case "/over":
			w.Write(make([]byte, MaxBodyBytes+1))
		case "/redirect-once":
			http.Redirect(w, r, "/echo", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	}))
	defer srv.Close()
	c := NewHTTPClient(time.Second)
	defer c.CloseIdle()
	ctx := context.Background()

	resp, err := c.Get(ctx, srv.URL+"/echo", http.Header{"X-API-Key": {"k1"}})
	if err != nil || resp.Status != 503 || string(resp.Body) != "k1|hsi-top" {
		t.Errorf("echo = %+v, %v", resp, err)
	}
	if resp, err = c.Get(ctx, srv.URL+"/exact", nil); err != nil || len(resp.Body) != MaxBodyBytes {
		t.Errorf("a body of exactly the limit: %v", err)
	}
	if _, err = c.Get(ctx, srv.URL+"/over", nil); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("a body over the limit: %v, want ErrBodyTooLarge", err)
	}
	if resp, err = c.Get(ctx, srv.URL+"/redirect-once", http.Header{"X-API-Key": {"k2"}}); err != nil || resp.Status != 503 {
		t.Errorf("one redirect: %+v %v", resp, err)
	}
	if _, err = c.Get(ctx, srv.URL+"/loop", nil); err == nil || err.Error() != "more than 3 redirects" {
		t.Errorf("redirect loop: %v", err)
	}
	if _, err = c.Get(ctx, "http://[::1", nil); err == nil || !strings.HasPrefix(err.Error(), "bad URL") {
		t.Errorf("bad URL: %v", err)
	}
}

// Bodies of a declared length, and chunked ones, read whole and over one kept-alive
// connection; a declared length over the limit and a body cut short are errors.
func TestHTTPClientBodiesAndReuse(t *testing.T) {
	payload := strings.Repeat("0123456789", 700) // 7 kB, past io.ReadAll's first buffers
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sized":
			w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
			io.WriteString(w, payload)
		case "/chunked":
			io.WriteString(w, payload[:100])
			w.(http.Flusher).Flush() // no length: chunked
			io.WriteString(w, payload[100:])
		case "/declared-over":
			w.Header().Set("Content-Length", strconv.Itoa(MaxBodyBytes+1))
			w.Write(make([]byte, MaxBodyBytes+1))
		case "/cut":
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "short")
		}
	}))
	var conns atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c := NewHTTPClient(time.Second)
	defer c.CloseIdle()
	ctx := context.Background()
	for i := range 6 {
		path := []string{"/sized", "/chunked"}[i%2]
		resp, err := c.Get(ctx, srv.URL+path, nil)
		if err != nil || string(resp.Body) != payload {
			t.Fatalf("%s: %d bytes, %v", path, len(resp.Body), err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("six sequential requests opened %d connections, want 1 kept alive", n)
	}
	if _, err := c.Get(ctx, srv.URL+"/declared-over", nil); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("a declared length over the limit: %v, want ErrBodyTooLarge", err)
	}
	if _, err := c.Get(ctx, srv.URL+"/cut", nil); err == nil || !strings.HasPrefix(err.Error(), "reading the body") {
		t.Errorf("a body shorter than declared: %v", err)
	}
}

func TestHTTPClientRefusedAndTimeout(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := NewHTTPClient(time.Second)
	defer c.CloseIdle()
	_, err := c.Get(context.Background(), url, nil)
	if err == nil || err.Error() != "connection refused" || !IsRefused(err) {
		t.Errorf("refused: %v", err)
	}
	if strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("the error quotes the address: %v", err)
	}

	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(block)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, slow.URL+"/?api_key=SECRET", nil); err == nil || err.Error() != "timeout" || IsRefused(err) {
		t.Errorf("deadline: %v, want timeout", err)
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	type target struct {
		A *float64 `json:"a"`
		B *string  `json:"b"`
	}
	cases := map[string]string{
		``:                  "empty response body",
		"  \n":              "empty response body",
		`<html>`:            "HTML instead of JSON",
		`{"a":1,`:           "truncated JSON",
		`{"a":1}}`:          "invalid JSON at byte 8",
		`{"a":"1","b":"x"}`: `field "a" has a string, expected a number`,
		`[1]`:               "a JSON array, expected an object",
		`"secret text"`:     "a JSON string, expected an object",
	}
	for body, want := range cases {
		var v target
		err := DecodeJSON([]byte(body), &v)
		if err == nil || err.Error() != want {
			t.Errorf("DecodeJSON(%q) = %v, want %q", body, err, want)
		}
	}
	var v target
	err := DecodeJSON([]byte(`{"a":"1","b":"kept"}`), &v)
	var typeErr *JSONTypeError
	if !errors.As(err, &typeErr) || typeErr.Field != "a" || v.B == nil || *v.B != "kept" {
		t.Errorf("a type error must keep the other fields: %v %+v", err, v)
	}
	if err := DecodeJSON([]byte(` {"a":2.5} `), &v); err != nil || *v.A != 2.5 {
		t.Errorf("valid body: %v", err)
	}
}

func TestShortErrorAndCleanText(t *testing.T) {
	if ShortError(nil) != "" || ShortError(context.DeadlineExceeded) != "timeout" || ShortError(context.Canceled) != "canceled" {
		t.Error("ShortError of the basic errors")
	}
	if got := ShortError(errors.New("Get \"http://x\": dial tcp: something odd")); got != "something odd" {
		t.Errorf("ShortError = %q", got)
	}
	for in, want := range map[string]string{
		"héllo wörld":              "h…", // cut on a rune boundary
		"abc":                      "abc",
		"evil\x1b]0;pwned\x07name": "evil]0;pwne…", // terminal escapes dropped
		"c1\u009bcontrol":          "c1control",
		"bad\xffutf8":              "badutf8",
	} {
		n := 2
		if in != "héllo wörld" {
			n = 11
		}
		if got := CleanText(in, n); got != want {
			t.Errorf("CleanText(%q, %d) = %q, want %q", in, n, got, want)
		}
	}
}

// An API key never follows a redirect to another host.
func TestRedirectDropsKeysAcrossHosts(t *testing.T) {
	var got http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Write([]byte(`{}`))
	}))
	defer other.Close()
	// 127.0.0.1 and localhost are different hosts to net/http.
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	first := httptest.NewServer(http.RedirectHandler(target+"/x", http.StatusFound))
	defer first.Close()
	c := NewHTTPClient(time.Second)
	defer c.CloseIdle()
	if _, err := c.Get(context.Background(), first.URL, http.Header{"X-Api-Key": {"k1"}, "Authorization": {"Bearer k2"}}); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Get("X-Api-Key") != "" || got.Get("Authorization") != "" {
		t.Errorf("keys followed the redirect: %v", got)
	}
}

// A plain-http GET is written directly: the service sees the method, path and query, the
// Host, hsi-top's User-Agent and the extra headers, and nothing else; a header that would
// end the request head early is refused before anything is sent; a URL with user info
// goes through net/http, which sends it as Basic authorization.
func TestHTTPClientDirectRequests(t *testing.T) {
	type seen struct {
		method, uri, host string
		header            http.Header
	}
	got := make(chan seen, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Method, r.RequestURI, r.Host, r.Header.Clone()}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := NewHTTPClient(time.Second)
	defer c.CloseIdle()

	resp, err := c.Get(t.Context(), srv.URL+"/api/x?a=1&b=%20", http.Header{"X-Api-Key": {"k1"}})
	if err != nil || resp.Status != 200 || string(resp.Body) != "ok" {
		t.Fatalf("direct GET = %+v, %v", resp, err)
	}
	r := <-got
	if r.method != "GET" || r.uri != "/api/x?a=1&b=%20" || r.host != strings.TrimPrefix(srv.URL, "http://") || len(r.header) != 2 ||
		r.header.Get("X-Api-Key") != "k1" || r.header.Get("User-Agent") != "hsi-top" {
		t.Errorf("the service saw %+v, want GET /api/x?a=1&b=%%20 with only X-Api-Key and User-Agent", r)
	}
	for _, bad := range []http.Header{{"X-Api-Key": {"k\r\nX-Evil: 1"}}, {"X Key": {"v"}}, {"Host": {"elsewhere"}}} {
		if _, err := c.Get(t.Context(), srv.URL+"/y", bad); err == nil || !strings.Contains(err.Error(), "invalid header") {
			t.Errorf("header %q: %v, want it refused", bad, err)
		}
	}
	select {
	case r := <-got:
		t.Errorf("a refused header still reached the service: %+v", r)
	default:
	}
	u := strings.Replace(srv.URL, "http://", "http://user:pw@", 1)
	if _, err := c.Get(t.Context(), u+"/z", nil); err != nil {
		t.Fatal(err)
	}
	if r := <-got; r.header.Get("Authorization") != "Basic dXNlcjpwdw==" {
		t.Errorf("user info: Authorization %q, want Basic from the URL", r.header.Get("Authorization"))
	}
}
