// Package record keeps snapshots in a file and reads them back: --record appends every
// snapshot as one line of NDJSON (hsi-top's own JSON, wire.Performance), --replay and
// the incident bundles read such files. A FILE ending in .gz is gzip-compressed (each
// run appends a gzip member; readers take the concatenation). The alert log is written
// only on the lines where it changed; Read carries it forward to the lines between.
package record

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/hsi-top/hsi-top/snapshot"
	"github.com/hsi-top/hsi-top/wire"
)

// DefaultMaxBytes is the size at which a recording is rotated when Options.MaxBytes is 0:
// about a day of 5 s snapshots uncompressed (some 13 KB each), weeks gzipped (some 0.6 KB).
const DefaultMaxBytes = 256 << 20

// DefaultKeep is how many rotated files are kept when Options.Keep is 0.
const DefaultKeep = 3

// Options configure a Writer.
type Options struct {
	// Path is the recording; ".gz" at its end compresses it.
	Path string
	// MaxBytes rotates the file before a line would take it past this size (on disk):
	// FILE becomes FILE.1 (FILE.1.gz for FILE.gz), FILE.1 FILE.2, and so on.
	MaxBytes int64
	// Keep is how many rotated files are kept; the oldest beyond it is removed.
	Keep int
}

// Writer appends snapshots to a recording. It is a collector stage: Process runs on the
// engine goroutine after the history (every snapshot complete). A write that fails
// stops the recording; Err and Close report why.
type Writer struct {
	opts Options

	mu      sync.Mutex
	f       *os.File
	gz      *gzip.Writer
	size    int64 // bytes in the file on disk
	lastLog []byte
	line    bytes.Buffer
	err     error
}

// Create opens (or appends to) the recording at o.Path.
func Create(o Options) (*Writer, error) {
	if o.Path == "" {
		return nil, fmt.Errorf("record: no file given")
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	w := &Writer{opts: o}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) compressed() bool { return strings.HasSuffix(w.opts.Path, ".gz") }

func (w *Writer) open() error {
	f, err := os.OpenFile(w.opts.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("record: %w", err)
	}
	w.f, w.size, w.lastLog = f, st.Size(), nil
	if w.compressed() {
		w.gz = gzip.NewWriter(countingFile{w})
	}
	return nil
}

// countingFile writes to the Writer's file and counts the bytes on disk.
type countingFile struct{ w *Writer }

func (c countingFile) Write(p []byte) (int, error) {
	n, err := c.w.f.Write(p)
	c.w.size += int64(n)
	return n, err
}

// Process appends s as one line. The gzip stream is flushed after each line, so a
// recording cut off by a crash reads back to its last whole snapshot.
func (w *Writer) Process(s *snapshot.Snapshot) {
	if s == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || w.f == nil {
		return
	}
	if err := w.write(s); err != nil {
		w.err = fmt.Errorf("record %s: %w", w.opts.Path, err)
	}
}

func (w *Writer) write(s *snapshot.Snapshot) error {
	p := wire.Performance(s)
	logJSON, err := json.Marshal(p.AlertLog)
	if err != nil {
		return err
	}
	if bytes.Equal(logJSON, w.lastLog) {
		p.AlertLog = nil // unchanged: "alert_log":null, Read carries the last one forward
	} else {
		w.lastLog = logJSON
	}
	w.line.Reset()
	if err := json.NewEncoder(&w.line).Encode(p); err != nil { // Encode ends the line
		return err
	}
	// Compressed lines are about a tenth of their length; the cap is a bound, not exact.
	estimate := int64(w.line.Len())
	if w.gz != nil {
		estimate /= 8
	}
	if w.size > 0 && w.size+estimate > w.opts.MaxBytes {
		if err := w.rotate(); err != nil {
			return err
		}
		if p.AlertLog == nil { // a new file starts with the whole log
			p.AlertLog = s.AlertLog
			w.lastLog = logJSON
			w.line.Reset()
			if err := json.NewEncoder(&w.line).Encode(p); err != nil {
				return err
			}
		}
	}
	if w.gz == nil {
		_, err := countingFile{w}.Write(w.line.Bytes())
		return err
	}
	if _, err := w.gz.Write(w.line.Bytes()); err != nil {
		return err
	}
	return w.gz.Flush()
}

// rotate closes the file, shifts FILE.(n-1) to FILE.n … FILE to FILE.1, and opens a new FILE.
func (w *Writer) rotate() error {
	if err := w.closeFile(); err != nil {
		return err
	}
	os.Remove(RotatedName(w.opts.Path, w.opts.Keep))
	for i := w.opts.Keep - 1; i >= 1; i-- {
		os.Rename(RotatedName(w.opts.Path, i), RotatedName(w.opts.Path, i+1)) // a missing one is fine
	}
	if err := os.Rename(w.opts.Path, RotatedName(w.opts.Path, 1)); err != nil {
		return err
	}
	return w.open()
}

// RotatedName is the n-th rotated file of path: rec.ndjson.1, rec.ndjson.1.gz for rec.ndjson.gz.
func RotatedName(path string, n int) string {
	if base, ok := strings.CutSuffix(path, ".gz"); ok {
		return fmt.Sprintf("%s.%d.gz", base, n)
	}
	return fmt.Sprintf("%s.%d", path, n)
}

func (w *Writer) closeFile() error {
	var err error
	if w.gz != nil {
		err = w.gz.Close()
		w.gz = nil
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f = nil
	return err
}

// Err is why the recording stopped, or nil.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close ends the recording; it returns the error that stopped it, if one did.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		if err := w.closeFile(); err != nil && w.err == nil {
			w.err = fmt.Errorf("record %s: %w", w.opts.Path, err)
		}
	}
	return w.err
}

var _ io.Writer = countingFile{}
