package termbg

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestQueriesPassThroughTmuxAndScreen(t *testing.T) {
	plain := string(Queries(env(nil)))
	if plain != "\x1b]11;?\x1b\\\x1b[c" {
		t.Fatalf("plain query %q", plain)
	}
	tmux := string(Queries(env(map[string]string{"TMUX": "/tmp/tmux-0/default,1,0", "TERM": "tmux-256color"})))
	if !strings.Contains(tmux, "\x1bPtmux;\x1b\x1b]11;?\x1b\x1b\\\x1b\\") || !strings.HasSuffix(tmux, "\x1b[c") {
		t.Fatalf("tmux query %q", tmux)
	}
	screen := string(Queries(env(map[string]string{"TERM": "screen-256color"})))
	if !strings.Contains(screen, "\x1bP\x1b]11;?\x1b\\\x1b\\") {
		t.Fatalf("screen query %q", screen)
	}
}

func TestParseReply(t *testing.T) {
	for in, want := range map[string]bool{
		"\x1b]11;rgb:ffff/ffff/ffff\x1b\\":               false, // white: light
		"\x1b]11;rgb:0000/0000/0000\x07":                 true,
		"\x1b]11;rgb:1e1e/1e1e/2e2e\x07":                 true,
		"\x1b]11;rgb:fd/f6/e3\x07":                       false, // solarized light, 2 digits
		"junk\x1b[?62;c\x1b]11;rgb:eeee/eeee/eeee\x1b\\": false,
	} {
		lum, ok := ParseReply([]byte(in))
		if !ok || (lum < 0.5) != want {
			t.Errorf("%q: luminance %v ok %v, want dark=%v", in, lum, ok, want)
		}
	}
	for _, in := range []string{"", "\x1b]11;rgb:zz/00/00\x07", "\x1b]11;rgb:ffff/ffff", "\x1b[?62c"} {
		if _, ok := ParseReply([]byte(in)); ok {
			t.Errorf("%q parsed", in)
		}
	}
}

func TestFromCOLORFGBG(t *testing.T) {
	for in, want := range map[string][2]bool{"15;0": {true, true}, "0;15": {false, true}, "0;default;7": {false, true}, "12;8": {true, true}, "": {false, false}, "x": {false, false}} {
		dark, ok := FromCOLORFGBG(in)
		if dark != want[0] || ok != want[1] {
			t.Errorf("COLORFGBG=%q: dark %v ok %v, want %v", in, dark, ok, want)
		}
	}
}

// fakeTTY answers the queries like a terminal (or not at all).
type fakeTTY struct {
	answer  string
	written bytes.Buffer
	read    bool
}

func (f *fakeTTY) Write(p []byte) (int, error)     { return f.written.Write(p) }
func (f *fakeTTY) SetReadDeadline(time.Time) error { return nil }
func (f *fakeTTY) Read(p []byte) (int, error) {
	if f.read || f.answer == "" {
		return 0, os.ErrDeadlineExceeded
	}
	f.read = true
	return copy(p, f.answer), nil
}

func TestQueryAndFallback(t *testing.T) {
	light := &fakeTTY{answer: "\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[?64;1c"}
	if dark, err := Query(light, env(map[string]string{"TMUX": "x"}), time.Second); err != nil || dark {
		t.Fatalf("light terminal in tmux: dark %v, %v", dark, err)
	}
	if !strings.Contains(light.written.String(), "\x1bPtmux;") {
		t.Fatal("no passthrough query inside tmux")
	}
	silent := &fakeTTY{answer: "\x1b[?1;2c"}
	if _, err := Query(silent, env(nil), time.Second); !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("no OSC answer: %v", err)
	}
	if Dark(&fakeTTY{answer: "\x1b[?1;2c"}, env(map[string]string{"COLORFGBG": "0;15"})) {
		t.Fatal("COLORFGBG=0;15 (light) not used as the fallback")
	}
	if !Dark(nil, env(nil)) {
		t.Fatal("with nothing known the theme is not dark")
	}
}
