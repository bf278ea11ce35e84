package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/hsi-top/hsi-top/collector"
	"github.com/hsi-top/hsi-top/config"
	"github.com/hsi-top/hsi-top/demo"
)

// demoStack is the simulated stack while `hsi-top demo` runs; newEngine adds its
// sources (the simulated GPUs) to the configured ones.
var demoStack *demo.Stack

// startDemo starts the simulated stack and points cfg at it; stop ends it.
func startDemo(cfg config.Config, stderr io.Writer) (config.Config, func(), error) {
	st, err := demo.Start()
	if err != nil {
		return cfg, nil, fmt.Errorf("demo: %w", err)
	}
	demoStack = st
	cfg = st.Config(cfg)
	if err := cfg.Validate(); err != nil {
		st.Close()
		return cfg, nil, fmt.Errorf("demo config: %w", err)
	}
	fmt.Fprintln(stderr, "hsi-top demo: a simulated stack on 127.0.0.1 (recorded responses, two simulated GPUs); nothing real is measured but this host")
	return cfg, func() { st.Close(); demoStack = nil }, nil
}

// demoStateDir is where hsi-top demo keeps its state: under the temporary directory, one
// per user (a directory another user made there first is not writable by this one).
func demoStateDir() string {
	return filepath.Join(os.TempDir(), "hsi-top-demo-state-"+strconv.Itoa(os.Getuid()))
}

// addDemoSources puts the demo's simulated sources where the GPU source would be: after
// the host's own (host, self), before the services that may fill the GPU in its absence.
func addDemoSources(b *collector.Built) {
	if demoStack == nil {
		return
	}
	at := min(2, len(b.Sources))
	b.Sources = slices.Insert(b.Sources, at, demoStack.Sources()...)
}
