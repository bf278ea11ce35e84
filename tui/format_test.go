package tui

import "testing"

func TestShortErr(t *testing.T) {
	if got := shortErr("redis INFO: dial tcp 127.0.0.1:6379: connect: connection refused", 40); got != "connection refused" {
		t.Errorf("shortErr = %q", got)
	}
	if got := shortErr("timed out after 2s", 40); got != "timed out after 2s" {
		t.Errorf("shortErr = %q", got)
	}
}
