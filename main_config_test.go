package main

import (
	"strings"
	"testing"
)

// TestIntervalZeroIsUsageError: --interval 0 is a usage error naming the value (before:
// accepted, and silently 5s).
func TestIntervalZeroIsUsageError(t *testing.T) {
	for _, v := range []string{"0", "0s"} {
		code, _, stderr := runCLI("--interval", v, "config")
		if code != exitUnknown || !strings.Contains(stderr, "--interval 0s is below the minimum of 1s") {
			t.Errorf("--interval %s: exit %d, %q", v, code, stderr)
		}
	}
}

// TestBadConfigValuesExitUnknown: a .nan level and an interval of 0 from the environment
// exit 3 with the value and its layer; an interval alone (file or HSI_INTERVAL) brings a
// timeout that fits it.
func TestBadConfigValuesExitUnknown(t *testing.T) {
	p := writeConfig(t, offline+"alerts:\n  rules:\n    host_cpu:\n      critical: .nan\n")
	code, _, stderr := runCLI("--config", p, "config")
	if code != exitUnknown || !strings.Contains(stderr, p+":13") || !strings.Contains(stderr, `".nan" is not a finite number`) {
		t.Errorf(".nan: exit %d, %q", code, stderr)
	}
	noTimeout := strings.Replace(offline, "source_timeout: 500ms\n", "", 1)
	p = writeConfig(t, noTimeout)
	code, stdout, stderr := runCLI("--config", p, "config")
	if code != exitOK || !strings.Contains(stdout, "source_timeout: 800ms") {
		t.Errorf("file interval 1s without source_timeout: exit %d, %q %q", code, stderr, stdout)
	}
	p = writeConfig(t, strings.Replace(noTimeout, "interval: 1s\n", "", 1))
	t.Setenv("HSI_INTERVAL", "1s")
	code, stdout, stderr = runCLI("--config", p, "config")
	if code != exitOK || !strings.Contains(stdout, "interval: 1s") || !strings.Contains(stdout, "source_timeout: 800ms") {
		t.Errorf("HSI_INTERVAL=1s: exit %d, %q %q", code, stderr, stdout)
	}
	t.Setenv("HSI_INTERVAL", "0s")
	code, _, stderr = runCLI("--config", p, "config")
	if code != exitUnknown || !strings.Contains(stderr, "interval: 0s (from HSI_INTERVAL)") || strings.Contains(stderr, "defaults") {
		t.Errorf("HSI_INTERVAL=0s: exit %d, %q", code, stderr)
	}
}
