// Package termbg finds out whether the terminal's background is dark, for the
// dashboard's auto theme. It asks the terminal itself with OSC 11, also from inside tmux
// and GNU screen (whose own answer, when they give one, is the pane's background; the
// query is also passed through to the outer terminal), and falls back to COLORFGBG.
// termenv skips the query under tmux and screen, which is why light terminals there got
// the dark palette.
package termbg

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// ErrNoAnswer is returned when the terminal did not report its background.
var ErrNoAnswer = errors.New("the terminal did not report its background colour")

// Queries is what to write to the terminal: OSC 11 plainly, wrapped for tmux or screen
// passthrough when inside one, then a device-attributes request (DA1) that every
// terminal answers, so the reader knows when to stop waiting.
func Queries(env func(string) string) []byte {
	const osc11 = "\x1b]11;?\x1b\\"
	var b bytes.Buffer
	b.WriteString(osc11)
	switch {
	case env("TMUX") != "":
		// tmux passes DCS tmux; … ST to the outer terminal (allow-passthrough on);
		// every ESC inside is doubled.
		b.WriteString("\x1bPtmux;" + strings.ReplaceAll(osc11, "\x1b", "\x1b\x1b") + "\x1b\\")
	case env("STY") != "" || strings.HasPrefix(env("TERM"), "screen"):
		b.WriteString("\x1bP" + osc11 + "\x1b\\")
	}
	b.WriteString("\x1b[c")
	return b.Bytes()
}

// ParseReply finds an OSC 11 answer ("ESC ] 11 ; rgb:RRRR/GGGG/BBBB" ended by BEL or ST)
// in the terminal's reply and returns its relative luminance (0 black … 1 white).
func ParseReply(reply []byte) (float64, bool) {
	i := bytes.Index(reply, []byte("\x1b]11;"))
	if i < 0 {
		return 0, false
	}
	rest := reply[i+5:]
	end := bytes.IndexAny(rest, "\x07\x1b")
	if end < 0 {
		return 0, false
	}
	spec := string(rest[:end])
	spec = strings.TrimPrefix(strings.TrimPrefix(spec, "rgba:"), "rgb:")
	parts := strings.Split(spec, "/")
	if len(parts) < 3 {
		return 0, false
	}
	var rgb [3]float64
	for k := range 3 {
		p := parts[k]
		if p == "" || len(p) > 4 {
			return 0, false
		}
		v, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return 0, false
		}
		rgb[k] = float64(v) / float64(uint64(1)<<(4*len(p))-1)
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2], true
}

// FromCOLORFGBG reads COLORFGBG ("15;0", "0;default;15"): its last field is the
// background's ANSI colour; 7 and 9–15 are light.
func FromCOLORFGBG(v string) (dark, ok bool) {
	if v == "" {
		return false, false
	}
	f := strings.Split(v, ";")
	bg, err := strconv.Atoi(f[len(f)-1])
	if err != nil || bg < 0 || bg > 15 {
		return false, false
	}
	return !(bg == 7 || bg >= 9), true
}

// TTY is the terminal the query goes through: /dev/tty in raw mode.
type TTY interface {
	Write([]byte) (int, error)
	Read([]byte) (int, error)
	SetReadDeadline(time.Time) error
}

// Query asks tty for its background and reads until the DA1 answer (or the timeout),
// then drains what a passthrough answer may add for a moment, so nothing is left for
// the program to read as keys.
func Query(tty TTY, env func(string) string, timeout time.Duration) (dark bool, err error) {
	if _, err := tty.Write(Queries(env)); err != nil {
		return false, err
	}
	var reply []byte
	buf := make([]byte, 256)
	deadline := time.Now().Add(timeout)
	sawDA := false
	for len(reply) < 4096 {
		if sawDA {
			// The outer terminal's answer through tmux comes after tmux's own DA1.
			deadline = time.Now().Add(30 * time.Millisecond)
		}
		tty.SetReadDeadline(deadline)
		n, rerr := tty.Read(buf)
		reply = append(reply, buf[:n]...)
		if !sawDA && bytes.Contains(reply, []byte("\x1b[?")) && bytes.IndexByte(reply[bytes.Index(reply, []byte("\x1b[?")):], 'c') > 0 {
			sawDA = true
		}
		if rerr != nil {
			break
		}
	}
	if lum, ok := ParseReply(reply); ok {
		return lum < 0.5, nil
	}
	return false, ErrNoAnswer
}

// Dark decides the theme for "auto": the terminal's answer, else COLORFGBG, else dark.
func Dark(tty TTY, env func(string) string) bool {
	if tty != nil {
		if dark, err := Query(tty, env, 300*time.Millisecond); err == nil {
			return dark
		}
	}
	if dark, ok := FromCOLORFGBG(env("COLORFGBG")); ok {
		return dark
	}
	return true
}

// Getenv is os.Getenv, for callers that pass the real environment.
func Getenv(k string) string { return os.Getenv(k) }
