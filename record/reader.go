package record

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// MaxLineBytes bounds one line of a recording (a snapshot is a few kilobytes; the
// alert log's 200 entries some 50 more).
const MaxLineBytes = 8 << 20

// MaxSnapshots bounds what Read keeps: a week of 5 s snapshots.
const MaxSnapshots = 7 * 24 * 720

// Read returns the snapshots of the recording at path, oldest first. A gzip file is
// recognised by its first bytes, whatever its name. A last line cut off (hsi-top
// killed while writing) is dropped; any other line that is not a snapshot is an error
// that names its line.
func Read(path string) ([]*snapshot.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	snaps, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", path, err)
	}
	return snaps, nil
}

// Decode reads a recording from r (plain or gzip NDJSON).
func Decode(r io.Reader) ([]*snapshot.Snapshot, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		br = bufio.NewReader(gz)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	var (
		out     []*snapshot.Snapshot
		lastLog []snapshot.AlertLogEntry
		badLine int
		badErr  error
	)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if badErr != nil { // a bad line followed by more: not a cut-off end
			return nil, fmt.Errorf("line %d: %w", badLine, badErr)
		}
		var p wire.PerformanceData
		if err := json.Unmarshal(line, &p); err != nil || p.Timestamp.IsZero() {
			if err == nil {
				err = errors.New("no timestamp: not an hsi-top snapshot")
			}
			badLine, badErr = n, err
			continue
		}
		if p.AlertLog == nil {
			p.AlertLog = lastLog // unchanged since the line before
		}
		lastLog = p.AlertLog
		if len(out) == MaxSnapshots {
			return nil, fmt.Errorf("more than %d snapshots: replay a part of it", MaxSnapshots)
		}
		out = append(out, p.Snapshot())
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	if len(out) == 0 {
		if badErr != nil {
			return nil, fmt.Errorf("line %d: %w", badLine, badErr)
		}
		return nil, errors.New("no snapshots in the file")
	}
	// Runs appended one after another are in order already; a clock set back is not.
	slices.SortStableFunc(out, func(a, b *snapshot.Snapshot) int { return a.Timestamp.Compare(b.Timestamp.Time) })
	return out, nil
}

// WriteFile writes snaps as a whole recording at path (an incident bundle), replacing
// what was there: to a temporary file first, renamed into place when complete.
func WriteFile(path string, snaps []*snapshot.Snapshot) error {
	tmp := path + ".tmp"
	if base, ok := strings.CutSuffix(path, ".gz"); ok {
		tmp = base + ".tmp.gz" // the same compression as path
	}
	os.Remove(tmp)
	w, err := Create(Options{Path: tmp, MaxBytes: 1 << 62})
	if err != nil {
		return err
	}
	for _, s := range snaps {
		w.Process(s)
	}
	if err := w.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
