package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/hsi-top/hsi-top/internal/rawio"
)

// MaxBodyBytes is the most an HTTP source reads of one response: the real services answer
// in a few KiB, and a hostile one must not make hsi-top buffer 50 MB.
const MaxBodyBytes = 1 << 20

// ErrBodyTooLarge is the error of a response whose body exceeds MaxBodyBytes: the
// service answered, but not with anything hsi-top should read.
var ErrBodyTooLarge = fmt.Errorf("response body larger than %d KiB", MaxBodyBytes>>10)

// defaultHTTPTimeout bounds a source's requests when it is given no timeout.
const defaultHTTPTimeout = 2 * time.Second

// maxRedirects bounds redirect chains (a redirect loop fails fast instead of spinning).
const maxRedirects = 3

// HTTPClient is the one small HTTP helper every HTTP source shares: a deadline on each
// request (the context's, when sooner), an API-key header, a body size limit, and short
// error reasons.
type HTTPClient struct {
	client    *http.Client
	transport *connTransport // the client's, for plain-http GETs written directly (Get)
	timeout   time.Duration

	mu   sync.Mutex
	urls map[string]*directURL // parsed once: a source asks the same few URLs every tick

	pipelining pipelining // whether GetAll still pipelines to the service
}

// directURL is a URL Get writes directly: its host and request target.
type directURL struct{ host, target string }

// NewHTTPClient returns a client whose requests never outlive timeout (the context's
// deadline, when shorter, wins).
func NewHTTPClient(timeout time.Duration) *HTTPClient {
	if timeout <= 0 {
		timeout = defaultHTTPTimeout
	}
	dial := (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	standard := &http.Transport{
		Proxy:                 nil, // loopback services: never through a proxy from the environment
		DialContext:           dial,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   8, // Prometheus asks 6 queries at once: keep them all alive
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: timeout,
		TLSHandshakeTimeout:   timeout,
	}
	transport := newConnTransport(rawio.Dialer(dial), standard, 8, 90*time.Second)
	return &HTTPClient{timeout: timeout, transport: transport, urls: map[string]*directURL{}, client: &http.Client{
		// No Client.Timeout: with a transport of its own, net/http would start a goroutine
		// per request to enforce it; Get puts the deadline on the request's context.
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			// net/http drops Authorization on a redirect to another host but keeps other
			// headers: an API key must never follow a redirect away from its service.
			if req.URL.Host != via[0].URL.Host {
				req.Header.Del("X-Api-Key")
				req.Header.Del("Authorization")
			}
			return nil
		},
	}}
}

// Response is a fully read HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Get fetches url with the given extra headers and reads at most MaxBodyBytes of the body.
// Any HTTP status is a response, not an error: callers decide (the backend's readiness
// endpoint answers 503 with a body worth reading).
//
// A plain-http URL without user info is written straight to a kept connection
// (connTransport.Get), without an http.Request, a context of its own or the client's
// machinery; a redirect, HTTPS and the rest go through the http.Client.
func (c *HTTPClient) Get(ctx context.Context, rawURL string, header http.Header) (*Response, error) {
	if u := c.directURL(rawURL); u != nil {
		resp, err := c.transport.Get(ctx, time.Now().Add(c.timeout), u.host, u.target, header)
		if err != nil {
			return nil, errors.New(ShortError(err))
		}
		if !isRedirect(resp) {
			return readResponse(resp)
		}
		resp.Body.Close() // asked again below, where the redirect policy applies
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("bad URL: %s", ShortError(err))
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("User-Agent", "hsi-top")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, errors.New(ShortError(err))
	}
	return readResponse(resp)
}

// GetAll fetches every URL with the same headers as Get does each; resps[i] or errs[i]
// is URL i's outcome. Plain-http URLs of one host are pipelined on one kept connection
// (connTransport.GetAll: one write and one wake-up of the service for all of them) until
// the service has once left one unanswered; from then on, and for URLs that cannot be
// pipelined, they are asked side by side. An answer that redirects is asked again by Get,
// which follows it.
func (c *HTTPClient) GetAll(ctx context.Context, rawURLs []string, header http.Header) (resps []*Response, errs []error) {
	resps = make([]*Response, len(rawURLs))
	one := func(i int) (err error) {
		resps[i], err = c.Get(ctx, rawURLs[i], header)
		return err
	}
	host, targets := c.oneHost(rawURLs)
	if targets == nil {
		return resps, c.pipelining.ask(ctx, len(rawURLs), nil, one)
	}
	redirected := make([]bool, len(rawURLs))
	bodyErrs := make([]error, len(rawURLs))
	all := func() []error {
		errs := c.transport.GetAll(ctx, time.Now().Add(c.timeout), host, targets, header, func(i int, resp *http.Response) error {
			if isRedirect(resp) {
				redirected[i] = true
				return nil
			}
			// The body is not closed here: GetAll reads on to the next answer.
			body, err := readBody(resp)
			if err != nil {
				bodyErrs[i] = err
				return err
			}
			resps[i] = &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
			return nil
		})
		for i, err := range errs {
			switch {
			case bodyErrs[i] != nil:
				errs[i] = bodyErrs[i]
			case err != nil && !errors.Is(err, errNotAnswered):
				errs[i] = errors.New(ShortError(err))
			}
		}
		return errs
	}
	errs = c.pipelining.ask(ctx, len(rawURLs), all, one)
	for i, again := range redirected {
		if again && errs[i] == nil {
			errs[i] = one(i)
		}
	}
	return resps, errs
}

// oneHost is the host and request targets of rawURLs when every one may be written
// directly (directURL) and all go to the same host; nil targets otherwise.
func (c *HTTPClient) oneHost(rawURLs []string) (host string, targets []string) {
	targets = make([]string, len(rawURLs))
	for i, raw := range rawURLs {
		u := c.directURL(raw)
		if u == nil || (i > 0 && u.host != host) {
			return "", nil
		}
		host, targets[i] = u.host, u.target
	}
	return host, targets
}

// readResponse reads resp's body (readBody) and closes it.
func readResponse(resp *http.Response) (*Response, error) {
	defer resp.Body.Close()
	body, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// directURL is rawURL's host and target, when Get may write it directly: plain http, a
// host, no user info (net/http turns that into an Authorization header), no fragment.
// nil otherwise. What it found is kept.
func (c *HTTPClient) directURL(rawURL string) *directURL {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.urls[rawURL]; ok {
		return d
	}
	var d *directURL
	if u, err := url.Parse(rawURL); err == nil && u.Scheme == "http" && u.Host != "" && u.User == nil && u.Fragment == "" && u.Opaque == "" {
		d = &directURL{host: u.Host, target: u.RequestURI()}
	}
	if len(c.urls) < maxDirectURLs {
		c.urls[rawURL] = d
	}
	return d
}

// maxDirectURLs bounds the parsed URLs a client keeps (Prometheus's queries carry a
// time, so each is new: those are parsed each time).
const maxDirectURLs = 64

// isRedirect says whether resp sends the client elsewhere (a 3xx with a Location).
func isRedirect(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return resp.Header.Get("Location") != ""
	}
	return false
}

// presizedBody is the largest declared length read into a buffer of that size at once;
// a longer body grows its buffer with what really arrives (a hostile server may declare
// megabytes and send nothing).
const presizedBody = 64 << 10

// readBody reads at most MaxBodyBytes of resp's body (readUpTo).
func readBody(resp *http.Response) ([]byte, error) {
	body, err := readUpTo(resp, MaxBodyBytes)
	if err != nil {
		return nil, fmt.Errorf("reading the body: %s", ShortError(err))
	}
	if len(body) > MaxBodyBytes {
		return nil, ErrBodyTooLarge
	}
	return body, nil
}

// readUpTo reads resp's body, at most limit+1 bytes of it (more than limit: too large).
// A declared length of at most presizedBody is read into one buffer of that size
// (io.ReadAll would grow one from 512 bytes, copying, at every response of every tick); a
// body read to its declared length keeps its connection as one read to EOF does
// (keptBody.Close).
func readUpTo(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= presizedBody {
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit+1))
}

// CloseIdle closes idle keep-alive connections (on shutdown).
func (c *HTTPClient) CloseIdle() { c.client.CloseIdleConnections() }

// DecodeJSON decodes a JSON body into v with an error that says what was wrong, without
// quoting the body (it may carry prompt text).
func DecodeJSON(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errors.New("empty response body")
	}
	if trimmed[0] == '<' {
		return errors.New("HTML instead of JSON")
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			if typeErr.Field == "" {
				return fmt.Errorf("a JSON %s, expected %s", typeErr.Value, jsonKind(typeErr.Type))
			}
			return &JSONTypeError{Field: CleanText(typeErr.Field, 60),
				msg: fmt.Sprintf("field %q has a %s, expected %s", CleanText(typeErr.Field, 60), typeErr.Value, jsonKind(typeErr.Type))}
		case errors.As(err, &syntaxErr):
			// The scanner reports a body cut inside a literal ("tr") as a bad character
			// at the very end; a complete value followed by junk is not truncated.
			msg := syntaxErr.Error()
			if strings.HasPrefix(msg, "unexpected end of JSON input") ||
				syntaxErr.Offset >= int64(len(trimmed)) && !strings.Contains(msg, "after top-level value") {
				return errors.New("truncated JSON")
			}
			return fmt.Errorf("invalid JSON at byte %d", syntaxErr.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("truncated JSON")
		}
		return fmt.Errorf("invalid JSON: %v", err)
	}
	return nil
}

// JSONTypeError is DecodeJSON's error for a field of the wrong type ("vram_used_gb":
// "0.17"). The rest of the body was decoded, so a caller may keep the other fields.
type JSONTypeError struct {
	// Field is the dotted path of the first such field.
	Field string
	msg   string
}

func (e *JSONTypeError) Error() string { return e.msg }

// jsonKind names a Go type the way the JSON it expects is called ("an object", "a number").
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// CleanText makes text from a service safe to show: control characters (C0, DEL, C1,
// which could drive the user's terminal), and invalid UTF-8 are dropped, and it is cut on
// a rune boundary to at most n bytes, with "…" when cut.
func CleanText(s string, n int) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if !clean {
		var b strings.Builder
		for _, r := range s {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError {
				continue
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ShortError turns a network error into a few words a user can act on ("connection
// refused", "timeout"), without the URL (which could carry a query-string key).
func ShortError(err error) string {
	if err == nil {
		return ""
	}
	var dnsErr *net.DNSError
	var urlErr *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, http.ErrHandlerTimeout):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	case errors.As(err, &dnsErr):
		return "unknown host " + dnsErr.Name
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed early"
	}
	if errors.As(err, &urlErr) {
		if urlErr.Timeout() {
			return "timeout"
		}
		return ShortError(urlErr.Err)
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		msg = msg[i+2:]
	}
	return msg
}

// IsRefused reports whether err means nothing listens at the address (unreachable, as
// opposed to a service that answered badly).
func IsRefused(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection refused")
}
