package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsi-top/hsi-top/record"
)

func TestRecordAndReplayUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--replay", "x.ndjson", "--once"},
		{"--replay", "x.ndjson", "--serve"},
		{"--replay", "x.ndjson", "--record", "y.ndjson"},
		{"--replay", "x.ndjson", "--speed", "0"},
		{"--speed", "-2"},
	} {
		code, _, stderr := runCLI(args...)
		if code != exitUnknown || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "--") {
			t.Errorf("%v: exit %d, %q; want 3 and a one-line reason", args, code, stderr)
		}
	}
}

func TestOnceRecordsItsSnapshotAndReplayNeedsATerminal(t *testing.T) {
	cfg := writeConfig(t, offline)
	path := filepath.Join(t.TempDir(), "rec.ndjson.gz")
	if code, _, stderr := runCLI("--config", cfg, "--once", "--record", path); code == exitUnknown {
		t.Fatalf("--once --record: exit 3: %s", stderr)
	}
	snaps, err := record.Read(path)
	if err != nil || len(snaps) == 0 {
		t.Fatalf("the recording holds %d snapshots (%v), want those --once took", len(snaps), err)
	}
	if snaps[0].Hostname == "" || len(snaps[0].Sources) == 0 {
		t.Errorf("recorded snapshot lacks hsi-top's keys: hostname %q, %d sources", snaps[0].Hostname, len(snaps[0].Sources))
	}
	code, _, stderr := runCLI("--config", cfg, "--replay", path)
	if code != exitUnknown || !strings.Contains(stderr, "not a terminal") {
		t.Errorf("--replay without a terminal: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCLI("--config", cfg, "--replay", filepath.Join(t.TempDir(), "missing.ndjson"))
	if code != exitUnknown || !strings.Contains(stderr, "missing.ndjson") {
		t.Errorf("--replay of a missing file: exit %d, %q", code, stderr)
	}
}
